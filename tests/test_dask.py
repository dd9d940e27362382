"""Bulk redaction on a real Dask cluster (intercom_redact.dask): two worker processes on 127.0.0.1.

One cluster serves the module.  Its workers read the HMAC key from the
environment they were started with, as workers of a real deployment do.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import pickle
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import cloudpickle
import dask.bag as db

from intercom_redact import Policy, Redactor
from intercom_redact.actions import KEY_ENV
from intercom_redact.cli import main
from intercom_redact.dask import DaskRunner, redact_bag, redact_dataframe
from intercom_redact.files import (
    FileJob,
    FileStats,
    RedactorConfig,
    open_output,
    redact_stream,
    redactor_cache_info,
)

# The helpers below travel to the workers by value (this module is not importable there).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

SECRET = "dask-test-hmac-secret-0123456789"
# A generous time bound: on a starved machine an event past the default (0.25 s) fails closed, and
# whether it does would depend on the load, not on the path under test.
PSEUDONYMIZING = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"}},
                                   "limits": {"time_budget": 30}})


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(KEY_ENV, SECRET)  # inherited by the worker processes, as a deployment's secret would be
        # One death per task is forgiven: a task that kills its worker twice fails the job.
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
                distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                         dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}
                                         ) as cluster, \
                distributed.Client(cluster) as dask_client:
            yield dask_client


@pytest.fixture(scope="module")
def keyed() -> Redactor:
    """The driver's redactor: the key the workers hold, pseudonymizing emails."""
    return Redactor(PSEUDONYMIZING, hmac_key=SECRET)


def _jsonl(lines: int) -> bytes:
    out = []
    for n in range(lines):
        if n % 11 == 5:
            out.append(f"not json {n}: write to user{n}@example.com".encode())
        else:
            out.append(orjson.dumps({"seq": n, "contact": {"email": f"user{n}@example.com", "id": f"c{n}"},
                                     "message": f"call +1 415 555 {n % 10000:04d} or mail user{n}@example.org"}))
    return b"\n".join(out) + b"\n"


def _csv(rows: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["seq", "email", "note"])
    writer.writerows([str(n), f"user{n}@example.com", f"line one\nwrite to other{n}@example.org"] for n in range(rows))
    return text.getvalue().encode()


def _redact(data: bytes, redactor: Redactor, **kwargs: Any) -> tuple[bytes, FileStats]:
    out = io.BytesIO()
    stats = redact_stream(io.BytesIO(data), out, redactor, chunk_lines=40, **kwargs)
    return out.getvalue(), stats


@pytest.mark.parametrize("name, data", [("app.jsonl", _jsonl(600)), ("contacts.csv", _csv(400)),
                                        ("app.jsonl.gz", gzip.compress(_jsonl(500), mtime=0))],
                         ids=["jsonl", "csv", "gzip"])
def test_output_is_byte_identical_to_one_process(client: Any, keyed: Redactor, name: str, data: bytes) -> None:
    expected, expected_stats = _redact(data, keyed, name=name, jobs=1)
    seen: list[int] = []
    got, stats = _redact(data, keyed, name=name, runner=DaskRunner(client), progress=lambda s: seen.append(s.lines))
    assert got == expected
    assert seen == sorted(seen) and seen[-1] == stats.lines and len(seen) > 5  # progress after every chunk
    assert stats == expected_stats and stats.lines in (600, 400, 500)
    assert b"@example.com" not in got and b"@example.org" not in got
    assert b"EMAIL_ADDRESS:" in got  # pseudonyms made with the key the workers read from their environment
    if name.endswith(".csv"):
        seqs = [row[0] for row in csv.reader(io.StringIO(got.decode()))][1:]
    else:
        seqs = [str(orjson.loads(line)["seq"]) for line in got.splitlines() if line.startswith(b"{")]
    assert seqs == sorted(seqs, key=int) and len(seqs) > 300  # order kept


def test_each_worker_builds_the_redactor_once(client: Any) -> None:
    redactor = Redactor(Policy(placeholder="<{type}>", time_budget=30))  # a configuration no other test uses
    config = RedactorConfig.from_redactor(redactor)
    _, stats = _redact(_jsonl(800), redactor, fmt="jsonl", scan=False, runner=DaskRunner(client))
    chunks = 800 // 40
    caches = [info[config.fingerprint] for info in client.run(redactor_cache_info).values()
              if config.fingerprint in info]
    assert caches and all(cache.builds == 1 for cache in caches)
    assert sum(cache.uses for cache in caches) == chunks  # every chunk used a cached redactor
    assert stats.lines == 800


@dataclass(frozen=True)
class _Dies:
    """A file job whose worker process dies (SIGKILL) on the chunk with ``trigger``: once, or ``always``."""

    job: FileJob
    marker: str
    trigger: bytes
    always: bool = False

    def __call__(self, chunk: list[Any]) -> tuple[bytes, FileStats]:
        if any(self.trigger in line for line in chunk) and (self.always or _first_time(self.marker)):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.job(chunk)


def _first_time(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _dying_runner(client: Any, marker: Path, *, always: bool = False) -> Any:
    def run(job: FileJob, chunks: Iterator[list[Any]]) -> Iterator[tuple[bytes, FileStats]]:
        return DaskRunner(client)(_Dies(job, str(marker), b'"seq":333,', always), chunks)  # type: ignore[arg-type]

    return run


def test_a_worker_killed_mid_job_is_recovered_with_nothing_lost(client: Any, keyed: Redactor, tmp_path: Path) -> None:
    data = _jsonl(600)
    expected, _ = _redact(data, keyed, fmt="jsonl", jobs=1)
    marker = tmp_path / "killed"
    target = tmp_path / "out.jsonl"
    with open_output(target) as sink:
        stats = redact_stream(io.BytesIO(data), sink, keyed, fmt="jsonl", chunk_lines=40,
                              runner=_dying_runner(client, marker))
    assert marker.exists()  # a worker process really died
    assert target.read_bytes() == expected and stats.lines == 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed", "out.jsonl"]
    client.wait_for_workers(2, timeout=120)  # the nanny restarted it


def test_a_job_that_keeps_killing_workers_fails_and_leaves_no_output(client: Any, keyed: Redactor,
                                                                     tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(distributed.KilledWorker), open_output(target) as sink:
        redact_stream(io.BytesIO(_jsonl(600)), sink, keyed, fmt="jsonl", chunk_lines=40,
                      runner=_dying_runner(client, tmp_path / "killed", always=True))
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary file
    client.wait_for_workers(2, timeout=120)


def test_a_worker_with_another_key_refuses_the_job(client: Any) -> None:
    other = Redactor(PSEUDONYMIZING, hmac_key="not the key the workers hold")
    with pytest.raises(Exception, match="not the key the job was started with"):
        _redact(_jsonl(100), other, fmt="jsonl", runner=DaskRunner(client))


def test_the_key_never_travels_in_tasks_or_reprs(client: Any, keyed: Redactor) -> None:
    config = RedactorConfig.from_redactor(keyed)
    bag = db.from_sequence([{"email": f"user{n}@example.com"} for n in range(20)], npartitions=4)
    records, stats = redact_bag(bag, config)
    job = FileJob(config, "jsonl", True)
    secret = SECRET.encode()
    for shipped in (config, job, dict(records.__dask_graph__()), dict(stats.__dask_graph__())):
        assert secret not in cloudpickle.dumps(shipped) and secret not in pickle.dumps(config)
        assert SECRET not in repr(shipped)
    assert secret in pickle.dumps(keyed)  # the check can fail: a Redactor's own pickle does hold the key
    computed, total = dask.compute(records, stats)
    assert [r["email"].startswith("EMAIL_ADDRESS:") for r in computed] == [True] * 20
    assert total.lines == 20 and total.redactions == {"EMAIL_ADDRESS": 20}
    logs = [*client.get_worker_logs().values(), client.get_scheduler_logs()]
    assert SECRET not in repr(logs)


def test_bag_of_lines_and_dataframe_helpers(client: Any, keyed: Redactor) -> None:
    pandas = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    config = RedactorConfig.from_redactor(keyed)
    lines = [f"line {n} from user{n}@example.com\n" for n in range(30)]
    redacted, stats = dask.compute(*redact_bag(db.from_sequence(lines, npartitions=3), config, kind="text"))
    assert redacted[7].startswith("line 7 from EMAIL_ADDRESS:") and redacted[7].endswith("\n")
    assert stats.lines == 30

    frame = pandas.DataFrame({"id": [1, 2, 3], "email": ["a@example.com", "b@example.com", None],
                              "contact.name": ["Marisol Quintero", "x", "y"], "note": ["mail c@example.org", "", "z"]})
    out = redact_dataframe(dd.from_pandas(frame, npartitions=2), config, keep_columns=["id"]).compute()
    assert list(out.columns) == list(frame.columns) and list(out["id"]) == [1, 2, 3]
    assert out["id"].dtype == frame["id"].dtype
    assert [str(v).split(":")[0] for v in out["email"][:2]] == ["EMAIL_ADDRESS"] * 2 and out["email"][2] is None
    assert out["contact.name"][0] == "[REDACTED:PERSON]"  # a dotted column is the nested path contact.name
    assert out["note"][0].startswith("mail EMAIL_ADDRESS:")


def test_cli_dask_scheduler_address_writes_what_jobs_writes(client: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    source = tmp_path / "app.jsonl"
    source.write_bytes(_jsonl(300))
    by_jobs, by_dask = tmp_path / "jobs.jsonl", tmp_path / "dask.jsonl"
    assert main(["-q", "redact", str(source), "--out", str(by_jobs), "--jobs", "1"]) == 0
    assert main(["-q", "redact", str(source), "--out", str(by_dask), "--dask", client.scheduler.address]) == 0
    assert by_dask.read_bytes() == by_jobs.read_bytes() and b"@example.com" not in by_dask.read_bytes()
    assert by_dask.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.jsonl", "dask.jsonl", "jobs.jsonl"]


def test_cli_dask_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "app.jsonl"
    source.write_bytes(_jsonl(3))
    assert main(["redact", str(source), "--dask", "local:2", "--jobs", "2"]) == 2
    assert main(["redact", str(source), "--dask", "local:many"]) == 2
    err = capsys.readouterr().err
    assert "give --jobs or --dask, not both" in err and "local:N needs a positive number of workers" in err


def test_cli_dask_local_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    source = tmp_path / "contacts.csv"
    source.write_bytes(_csv(200))
    by_jobs, by_dask = tmp_path / "jobs.csv", tmp_path / "dask.csv"
    assert main(["-q", "redact", str(source), "--out", str(by_jobs), "--jobs", "1"]) == 0
    assert main(["-q", "redact", str(source), "--out", str(by_dask), "--dask", "local:1"]) == 0
    assert by_dask.read_bytes() == by_jobs.read_bytes() and b"@example.com" not in by_dask.read_bytes()
