"""Log and stream redaction (intercom_redact.files) on real files, in and across processes."""

from __future__ import annotations

import csv
import gzip
import io

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intercom_redact import Policy, Redactor
from intercom_redact.files import FileStats, detect_format, redact_csv_rows, redact_partition, redact_stream
from intercom_redact.scanner import Scanner

EMAIL = "marisol.quintero@example.com"
OTHER_EMAIL = "thaddeus.abernathy@example.org"


def _run(redactor: Redactor, data: bytes, **kwargs) -> tuple[bytes, FileStats]:
    out = io.BytesIO()
    stats = redact_stream(io.BytesIO(data), out, redactor, **kwargs)
    return out.getvalue(), stats


def test_json_lines_field_rules_and_free_text(redactor: Redactor) -> None:
    line = {"event": f"signup from {OTHER_EMAIL}", "contact": {"id": "c1", "email": EMAIL, "name": "Marisol Quintero"},
            "status": 200}
    out, stats = _run(redactor, orjson.dumps(line) + b"\n", fmt="jsonl")
    assert out.endswith(b"\n") and out.count(b"\n") == 1
    record = orjson.loads(out)
    assert record["contact"] == {"id": "c1", "email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]"}
    assert record["event"] == "signup from [REDACTED:EMAIL_ADDRESS]"
    assert record["status"] == 200
    assert stats.lines == 1 and stats.malformed == 0
    assert stats.redactions == {"EMAIL_ADDRESS": 2, "PERSON": 1}


def test_malformed_json_lines_are_redacted_as_text_and_counted(redactor: Redactor) -> None:
    data = (b'{"email": "' + EMAIL.encode() + b'"}\n'
            b'{"email": "' + EMAIL.encode() + b'", truncated\n'
            b"plain words from " + OTHER_EMAIL.encode() + b"\r\n"
            b"\n"
            b"[1, 2, 3]")
    out, stats = _run(redactor, data, fmt="jsonl")
    assert EMAIL.encode() not in out and OTHER_EMAIL.encode() not in out
    lines = out.split(b"\n")
    assert lines[1].startswith(b'{"email": "[REDACTED:EMAIL_ADDRESS]", truncated')
    assert lines[2] == b"plain words from [REDACTED:EMAIL_ADDRESS]\r"  # line endings are kept
    assert lines[3] == b""
    assert lines[4] == b"[1,2,3]"  # valid JSON that is not an object, no trailing newline added
    assert stats.lines == 5 and stats.malformed == 2


def test_no_scan_applies_field_rules_and_known_values_only(redactor: Redactor) -> None:
    line = {"email": EMAIL, "message": f"mail {EMAIL} or {OTHER_EMAIL}"}
    out, _ = _run(redactor, orjson.dumps(line) + b"\nnot json " + OTHER_EMAIL.encode() + b"\n", fmt="jsonl",
                  scan=False)
    first, second = out.splitlines()
    record = orjson.loads(first)
    # The known value (caught by the email rule) goes; the unknown one needs the scanner.
    assert record["message"] == f"mail [REDACTED:EMAIL_ADDRESS] or {OTHER_EMAIL}"
    # A line that is not JSON is always scanned: field rules cannot clean text.
    assert second == b"not json [REDACTED:EMAIL_ADDRESS]"


# Lines of every kind a JSON-lines log holds, for the line-by-line oracle below.
_LINE_KINDS = {
    "record": lambda n: orjson.dumps({"n": n, "email": f"user{n}@example.com", "msg": f"mail user{n}@example.com"}),
    "html": lambda n: orjson.dumps({"email": f"user{n}@example.com",
                                    "body": f'<p>Write <a href="mailto:user{n}@example.com">user{n}@example.com</a></p>'}),
    "array": lambda n: f'[{n}, "user{n}@example.com"]'.encode(),
    "blank": lambda n: b"",
    "spaces": lambda n: b"  \t ",
    "broken": lambda n: f'{{"email": "user{n}@example.com", truncated'.encode(),
    "text": lambda n: f"plain words from user{n}@example.com".encode(),
}


def _alone(redactor: Redactor, line: bytes, scan: bool) -> tuple[bytes, bool]:
    """``line`` redacted on its own, by the engine's public calls: (output, whether it is malformed)."""
    eol = b"\r\n" if line.endswith(b"\r\n") else b"\n" if line.endswith(b"\n") else b""
    body = line[:len(line) - len(eol)]
    if not body.strip():
        return line, False
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return redactor.redact(body.decode()).encode() + eol, True
    return orjson.dumps(redactor.redact(value, scan=scan)) + eol, False


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from(sorted(_LINE_KINDS)), st.sampled_from(["\n", "\r\n"])),
                      min_size=1, max_size=120),
       last_ended=st.booleans(), scan=st.booleans(), chunk_lines=st.integers(1, 130))
def test_each_json_line_comes_out_as_it_would_alone(redactor: Redactor, lines: list[tuple[str, str]],
                                                    last_ended: bool, scan: bool, chunk_lines: int) -> None:
    # Batches of records parsed and dumped together, and batches with blank, broken or CRLF lines
    # among them, come out line for line as each line would alone, its own line ending kept.
    data = [_LINE_KINDS[kind](n) + eol.encode() for n, (kind, eol) in enumerate(lines)]
    if not last_ended:
        data[-1] = data[-1].rstrip(b"\r\n")
    out, stats = _run(redactor, b"".join(data), fmt="jsonl", scan=scan, chunk_lines=chunk_lines)
    expected = [_alone(redactor, line, scan) for line in data]
    assert out == b"".join(line for line, _ in expected)
    assert stats.lines == len(io.BytesIO(b"".join(data)).readlines())  # an unended blank last line is no line
    assert stats.malformed == sum(malformed for _, malformed in expected)


def test_only_a_partition_that_scans_compiles_the_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    warmed: list[Scanner] = []
    real_warm = Scanner.warm

    def warm(scanner: Scanner) -> None:
        warmed.append(scanner)
        real_warm(scanner)

    monkeypatch.setattr(Scanner, "warm", warm)
    redactor = Redactor()  # its own scanner: compiled nothing yet
    record = orjson.dumps({"email": EMAIL, "message": f"mail {EMAIL}"}) + b"\n"
    # Field rules only: the patterns are not compiled for it (its keys compile what they meet).
    assert redact_partition([record], redactor, kind="jsonl", scan=False).records == [
        b'{"email":"[REDACTED:EMAIL_ADDRESS]","message":"mail [REDACTED:EMAIL_ADDRESS]"}\n']
    assert redact_partition([{"email": EMAIL}], redactor, scan=False).records == [
        {"email": "[REDACTED:EMAIL_ADDRESS]"}]
    assert warmed == []
    # A line that is not JSON is scanned: the scanner warms up before it.
    broken = redact_partition([record, f"mail {OTHER_EMAIL}\n".encode()], redactor, kind="jsonl", scan=False)
    assert broken.records[1] == b"mail [REDACTED:EMAIL_ADDRESS]\n" and warmed == [redactor.scanner]
    csv_rows = redact_partition([["1", EMAIL, f"mail {OTHER_EMAIL}"]], Redactor(), kind="csv", scan=False,
                                header=["id", "email"])
    assert csv_rows.records == [["1", "[REDACTED:EMAIL_ADDRESS]", "mail [REDACTED:EMAIL_ADDRESS]"]]
    assert len(warmed) == 2
    for kind, records in (("text", [b"hello\n"]), ("jsonl", [record])):
        scanning = Redactor()
        redact_partition(records, scanning, kind=kind)
        assert warmed[-1] is scanning.scanner


def test_text_lines_with_html(redactor: Redactor) -> None:
    data = f'<p>Write to <a href="mailto:{EMAIL}">{EMAIL}</a></p>\nnothing here\n'.encode()
    out, stats = _run(redactor, data, fmt="text")
    assert out == (b'<p>Write to <a href="mailto:[REDACTED:EMAIL_ADDRESS]">[REDACTED:EMAIL_ADDRESS]</a></p>\n'
                   b"nothing here\n")
    assert stats.malformed == 0 and stats.lines == 2


def test_csv_header_names_are_field_paths(redactor: Redactor) -> None:
    data = (
        "id,email,name,contact.email,note,title\n"
        f'7,{EMAIL},Marisol Quintero,{OTHER_EMAIL},"multi\nline note, call {OTHER_EMAIL}",Hello\n'
        f"8,{EMAIL}\n"
        "9,a@b.example,Ann Example,x@y.example,n,t,extra cell mail me@extramail.com\n"
    ).encode()
    out, stats = _run(redactor, data, fmt="csv")
    rows = list(csv.reader(io.StringIO(out.decode())))
    assert rows[0] == ["id", "email", "name", "contact.email", "note", "title"]
    assert rows[1] == ["7", "[REDACTED:EMAIL_ADDRESS]", "[REDACTED:PERSON]", "[REDACTED:EMAIL_ADDRESS]",
                       "multi\nline note, call [REDACTED:EMAIL_ADDRESS]", "Hello"]
    assert rows[2] == ["8", "[REDACTED:EMAIL_ADDRESS]"]
    assert rows[3][-1] == "extra cell mail [REDACTED:EMAIL_ADDRESS]"
    assert stats.lines == 3 and stats.malformed == 2


def test_csv_keep_columns_bypass_the_engine(redactor: Redactor) -> None:
    out = io.StringIO()
    rows = [["receipt_id", "email", "content_title"], ["2025550123", EMAIL, f"Hi {OTHER_EMAIL}"]]
    stats = redact_csv_rows(rows, out, redactor, keep_columns=["receipt_id"])
    assert out.getvalue().splitlines()[1] == "2025550123,[REDACTED:EMAIL_ADDRESS],Hi [REDACTED:EMAIL_ADDRESS]"
    assert stats.lines == 1


def test_policy_rules_apply_to_files() -> None:
    policy = Policy.from_dict({"rules": [{"path": "**.customer_ref", "action": "redact", "type": "SECRET"}]})
    out, _ = _run(Redactor(policy), b'{"customer_ref": "abc-123", "n": 1}\n', fmt="jsonl")
    assert orjson.loads(out) == {"customer_ref": "[REDACTED:SECRET]", "n": 1}


@pytest.mark.parametrize(("name", "head", "expected"), [
    ("app.csv", b"a,b\n", "csv"),
    ("app.jsonl", b"not json", "jsonl"),
    (None, b'  {"a": 1}\n{"b"', "jsonl"),
    (None, b"2025-01-01 INFO started\n", "text"),
    ("app.log", b"{not json\n", "text"),
])
def test_detect_format(name: str | None, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_order_kept_across_worker_processes(redactor: Redactor) -> None:
    lines = []
    for n in range(600):
        if n % 7 == 3:
            lines.append(f"broken line {n} from user{n}@example.com".encode())
        else:
            lines.append(orjson.dumps({"seq": n, "email": f"user{n}@example.com", "msg": f"ping user{n}@example.com"}))
    data = b"\n".join(lines) + b"\n"
    seen = []

    out, stats = _run(redactor, data, fmt="jsonl", jobs=2, chunk_lines=25, progress=lambda s: seen.append(s.lines))
    out_lines = out.splitlines()
    assert len(out_lines) == 600
    for n, line in enumerate(out_lines):
        if n % 7 == 3:
            assert line == f"broken line {n} from [REDACTED:EMAIL_ADDRESS]".encode()
        else:
            assert orjson.loads(line) == {"seq": n, "email": "[REDACTED:EMAIL_ADDRESS]",
                                          "msg": "ping [REDACTED:EMAIL_ADDRESS]"}
    assert b"@example.com" not in out
    assert stats.lines == 600 and stats.malformed == len([n for n in range(600) if n % 7 == 3])
    assert stats.redactions == {"EMAIL_ADDRESS": 600 + 600 - stats.malformed}
    assert stats.bytes_in == len(data)
    assert seen == sorted(seen) and seen[-1] == 600 and len(seen) == 600 // 25


def test_csv_across_worker_processes_keeps_order(redactor: Redactor) -> None:
    rows = [["n", "email", "note"]] + [[str(n), f"u{n}@example.com", f"line one\nline two {n}"] for n in range(300)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    out, stats = _run(redactor, text.getvalue().encode(), name="x.csv", jobs=2, chunk_lines=40)
    got = list(csv.reader(io.StringIO(out.decode())))
    assert [r[0] for r in got[1:]] == [str(n) for n in range(300)]
    assert all(r[1] == "[REDACTED:EMAIL_ADDRESS]" and r[2].startswith("line one\nline two") for r in got[1:])
    assert stats.lines == 300 and stats.malformed == 0


def test_gzip_input_is_read_through(redactor: Redactor) -> None:
    data = gzip.compress(b"".join(orjson.dumps({"n": n, "email": EMAIL}) + b"\n" for n in range(50)))
    out, stats = _run(redactor, data, name="app.jsonl.gz")
    assert out.splitlines()[7] == b'{"n":7,"email":"[REDACTED:EMAIL_ADDRESS]"}'
    assert stats.lines == 50 and stats.bytes_in == len(data)


def test_small_input_never_starts_workers_by_default(redactor: Redactor, monkeypatch) -> None:
    import intercom_redact.files as files

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(files, "ProcessPoolExecutor", no_pool)
    data = b"".join(orjson.dumps({"n": n, "email": EMAIL}) + b"\n" for n in range(200))
    out, stats = _run(redactor, data, chunk_lines=10)  # 20 chunks, well under the inline budget
    assert stats.lines == 200 and EMAIL.encode() not in out
    with pytest.raises(AssertionError, match="pool"):
        _run(redactor, data, chunk_lines=10, jobs=2)


def test_empty_input(redactor: Redactor) -> None:
    assert _run(redactor, b"", fmt="jsonl") == (b"", FileStats())
    assert _run(redactor, b"", fmt="csv")[0] == b""


def test_unknown_format_is_refused(redactor: Redactor) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        _run(redactor, b"", fmt="xml")


def test_open_output_is_atomic_for_files_and_direct_for_links(tmp_path) -> None:
    from intercom_redact.files import open_output

    target = tmp_path / "out.log"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write(b"partial")
        raise RuntimeError
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.log"]
    with open_output(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"

    link = tmp_path / "link.log"
    link.symlink_to(target)
    with open_output(link) as fh:
        fh.write(b"through the link")
    assert link.is_symlink() and target.read_bytes() == b"through the link"
