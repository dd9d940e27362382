"""Bulk content export against the fake workspace over real HTTP: the whole job lifecycle."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import os
import stat
import tarfile

import pytest

from intercom_redact import Redactor
from intercom_redact.compliance import (
    ExportCanceled,
    ExportFailed,
    ExportJobActive,
    ExportTimeout,
    export_content,
    wait_for_content_export,
)
from intercom_redact.compliance.export import unix_time
from intercom_redact.testing import EXPORT_CSV_COLUMNS, FakeIntercom

FAST = {"poll_interval": 0.001, "max_poll_interval": 0.005}



def _everything(fake: FakeIntercom) -> tuple[int, int]:
    return 0, fake.workspace.now + 86400


def _rows(path: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_completed_export_is_redacted_streamed_and_private(fake_intercom: FakeIntercom, redactor: Redactor,
                                                           tmp_path) -> None:
    out = tmp_path / "export.csv"
    receipts = fake_intercom.workspace.receipts
    with fake_intercom.client() as client:
        result = export_content(client, *_everything(fake_intercom), out, redactor=redactor, **FAST)
    assert result.status == "completed" and result.path == str(out)
    assert result.rows == len(receipts) > 0
    assert result.redactions["EMAIL_ADDRESS"] == len(receipts) and result.redactions["PERSON"] >= len(receipts)
    text = out.read_text()
    for receipt in receipts:
        assert receipt["email"] not in text and receipt["name"] not in text
    rows = _rows(str(out))
    assert list(rows[0]) == list(EXPORT_CSV_COLUMNS)
    # Ids and timestamps come through untouched; recipients do not.
    assert [r["receipt_id"] for r in rows] == [str(r["receipt_id"]) for r in receipts]
    assert [r["received_at"] for r in rows] == [str(r["received_at"]) for r in receipts]
    assert {r["email"] for r in rows} == {"[REDACTED:EMAIL_ADDRESS]"}
    assert {r["name"] for r in rows} == {"[REDACTED:PERSON]"}
    assert all("Shipping update for" not in r["content_title"] or "[REDACTED:" in r["content_title"] for r in rows)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]  # no temporary file left
    download = [r for r in fake_intercom.requests if r.path.startswith("/download/content/data/")]
    assert len(download) == 1 and download[0].headers["accept"] == "application/octet-stream"


def test_range_as_dates_datetimes_and_iso_strings_into_a_new_folder(fake_intercom: FakeIntercom,
                                                                    redactor: Redactor, tmp_path) -> None:
    now = fake_intercom.workspace.now
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    first = today - datetime.timedelta(days=90)
    ranges = [
        (first, today),
        (datetime.datetime.combine(first, datetime.time()), today.isoformat()),
        (first.isoformat() + "T00:00:00Z", now + 86400),
    ]
    with fake_intercom.client() as client:
        for n, (since, until) in enumerate(ranges):
            out = tmp_path / f"new-{n}" / "deeper" / "export.csv"
            result = export_content(client, since, until, out, redactor=redactor, **FAST)
            assert result.status == "completed" and out.exists(), (since, until)
            assert result.rows == len(fake_intercom.workspace.receipts)
    jobs = fake_intercom.workspace.export_jobs.values()
    start = int(datetime.datetime.combine(first, datetime.time(), datetime.timezone.utc).timestamp())
    assert {job.created_at_after for job in jobs} == {start}
    end_of_today = int(datetime.datetime.combine(today, datetime.time.max, datetime.timezone.utc).timestamp())
    assert sorted(job.created_at_before for job in jobs) == sorted([end_of_today, end_of_today, now + 86400])


def test_unix_time() -> None:
    assert unix_time(1735689600) == unix_time("1735689600") == unix_time("2025-01-01") == 1735689600
    assert unix_time(datetime.date(2025, 1, 1), end_of_day=True) == unix_time("2025-01-01", end_of_day=True) == 1735775999
    assert unix_time("2025-01-01T01:00:00+01:00") == unix_time(datetime.datetime(2025, 1, 1)) == 1735689600
    with pytest.raises(ValueError, match="not a date"):
        unix_time("yesterday")
    with pytest.raises(TypeError):
        unix_time(True)


def test_a_range_that_ends_before_it_starts_is_refused_before_any_request(fake_intercom: FakeIntercom,
                                                                         redactor: Redactor, tmp_path) -> None:
    with fake_intercom.client() as client, pytest.raises(ValueError, match="ends before it starts"):
        export_content(client, "2025-02-01", "2025-01-01", tmp_path / "x" / "x.csv", redactor=redactor, **FAST)
    assert fake_intercom.requests == [] and not (tmp_path / "x").exists()


def test_no_data_writes_nothing(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path) -> None:
    with fake_intercom.client() as client:
        result = export_content(client, 1, 2, tmp_path / "none.csv", redactor=redactor, **FAST)
    assert result.status == "no_data" and result.path is None and result.rows == 0
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("outcome", "error"), [("failed", ExportFailed), ("canceled", ExportCanceled)])
def test_failed_and_canceled_jobs(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path, outcome, error) -> None:
    fake_intercom.workspace.export_outcome = outcome
    with fake_intercom.client() as client, pytest.raises(error) as info:
        export_content(client, *_everything(fake_intercom), tmp_path / "x.csv", redactor=redactor, **FAST)
    assert info.value.status == outcome and info.value.job_identifier in str(info.value)
    assert not list(tmp_path.iterdir())


def test_second_pending_job_is_refused_without_retrying(fake_intercom: FakeIntercom, redactor: Redactor,
                                                       tmp_path) -> None:
    with fake_intercom.client() as client:
        client.create_content_export(*_everything(fake_intercom))  # someone else's job, still pending
        with pytest.raises(ExportJobActive, match="one pending content export"):
            export_content(client, *_everything(fake_intercom), tmp_path / "x.csv", redactor=redactor, **FAST)
    assert fake_intercom.count("/export/content/data", "POST") == 2


def test_timeout_cancels_the_job_and_frees_the_slot(fake_intercom: FakeIntercom, redactor: Redactor,
                                                    tmp_path) -> None:
    fake_intercom.workspace.export_polls = 10**9  # never finishes
    with fake_intercom.client() as client:
        with pytest.raises(ExportTimeout, match="canceled") as info:
            export_content(client, *_everything(fake_intercom), tmp_path / "x.csv", redactor=redactor,
                           timeout=0.05, **FAST)
        job = fake_intercom.workspace.export_jobs[info.value.job_identifier]
        assert job.status == "canceled"
        assert fake_intercom.count(f"/export/cancel/{job.job_identifier}", "POST") == 1
        fake_intercom.workspace.export_polls = 1
        assert export_content(client, *_everything(fake_intercom), tmp_path / "y.csv", redactor=redactor,
                              **FAST).status == "completed"


class _FakeTime:
    """A clock that advances only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_default_polling_backs_off_and_gives_up_after_an_hour(fake_intercom: FakeIntercom) -> None:
    fake_intercom.workspace.export_polls = 10**9
    fake_time = _FakeTime()
    statuses = []
    with fake_intercom.client() as client:
        job = client.create_content_export(*_everything(fake_intercom))["job_identifier"]
        with pytest.raises(ExportTimeout):
            wait_for_content_export(client, job, sleep=fake_time.sleep, clock=fake_time.clock,
                                    on_status=lambda status, elapsed: statuses.append(status))
    assert fake_time.sleeps[:4] == [30.0, 45.0, 67.5, 101.25]
    assert max(fake_time.sleeps) == 300.0
    assert sum(fake_time.sleeps) == pytest.approx(3600.0)
    assert statuses[0] == "in_progress" and set(statuses) == {"in_progress"}
    assert fake_intercom.workspace.export_jobs[job].status == "canceled"


def test_interrupted_wait_cancels_the_job(fake_intercom: FakeIntercom) -> None:
    fake_intercom.workspace.export_polls = 10**9

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with fake_intercom.client() as client:
        job = client.create_content_export(*_everything(fake_intercom))["job_identifier"]
        with pytest.raises(KeyboardInterrupt):
            wait_for_content_export(client, job, sleep=interrupt)
    assert fake_intercom.workspace.export_jobs[job].status == "canceled"


def test_tar_download_is_redacted_into_a_directory(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path,
                                                   monkeypatch) -> None:
    # Older API versions document "a gzipped folder containing multiple CSVs".
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, email in (("export/opens.csv", "ingrid.lindqvist@example.com"),
                            ("export/clicks.csv", "leopold.okonkwo@example.com")):
            data = f"receipt_id,email,name\n77,{email},Ingrid Lindqvist\n".encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(fake_intercom.workspace, "export_gzip", lambda job: buffer.getvalue())
    out = tmp_path / "export"
    with fake_intercom.client() as client:
        result = export_content(client, *_everything(fake_intercom), out, redactor=redactor, **FAST)
    assert sorted(p.name for p in out.iterdir()) == ["clicks.csv", "opens.csv"]
    for path in out.iterdir():
        assert path.read_text() == "receipt_id,email,name\n77,[REDACTED:EMAIL_ADDRESS],[REDACTED:PERSON]\n"
    assert result.rows == 2


def test_download_is_decompressed_as_it_streams(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path,
                                                monkeypatch) -> None:
    # Several gzip members, as a server streaming its output may send them.
    rows = [f"{n},user{n}@example.com,Name {n}\n".encode() for n in range(3000)]
    blob = gzip.compress(b"receipt_id,email,name\n" + b"".join(rows[:1500])) + gzip.compress(b"".join(rows[1500:]))
    monkeypatch.setattr(fake_intercom.workspace, "export_gzip", lambda job: blob)
    out = tmp_path / "big.csv"
    with fake_intercom.client() as client:
        result = export_content(client, *_everything(fake_intercom), out, redactor=redactor, **FAST)
    assert result.rows == 3000
    got = _rows(str(out))
    assert [r["receipt_id"] for r in got] == [str(n) for n in range(3000)]
    assert "@example.com" not in out.read_text()


def test_truncated_download_fails_and_leaves_nothing(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path,
                                                     monkeypatch) -> None:
    blob = gzip.compress(b"receipt_id,email\n" + b"".join(f"{n},u{n}@example.com\n".encode() for n in range(5000)))
    monkeypatch.setattr(fake_intercom.workspace, "export_gzip", lambda job: blob[: len(blob) // 2])
    with fake_intercom.client() as client, pytest.raises(ExportFailed, match="corrupt or truncated"):
        export_content(client, *_everything(fake_intercom), tmp_path / "x.csv", redactor=redactor, **FAST)
    assert not list(tmp_path.iterdir())


def test_greeting_names_in_content_titles_are_redacted(fake_intercom: FakeIntercom, redactor: Redactor,
                                                       tmp_path) -> None:
    # "Welcome aboard, Marisol!": the recipient's first name, known from the row's name column.
    out = tmp_path / "export.csv"
    receipts = fake_intercom.workspace.receipts
    greeted = [r for r in receipts if r["content_title"].startswith("Welcome aboard")]
    assert greeted
    with fake_intercom.client() as client:
        export_content(client, *_everything(fake_intercom), out, redactor=redactor, **FAST)
    rows = _rows(str(out))
    titles = [row["content_title"] for row in rows if row["content_title"].startswith("Welcome aboard")]
    assert titles == ["Welcome aboard, [REDACTED:PERSON]!"] * len(greeted)
    text = out.read_text()
    for receipt in greeted:
        assert receipt["name"].split()[0] not in text
    assert "Your invoice is ready" in text  # a title without a name is kept
