"""Bulk redaction on a Dask cluster (``pip install 'intercom-redact[dask]'``).

Everything here is a thin layer over the partition API of
:mod:`intercom_redact.files`: a task is :func:`~intercom_redact.files.redact_partition`
on one partition, with a :class:`~intercom_redact.files.RedactorConfig` that
each worker process turns into a redactor once and reuses for every task.

* :func:`redact_bag` and :func:`redact_dataframe` for data already in Dask
  (``dask.bag.read_text("s3://…")``, ``dask.dataframe.read_parquet(…)``).
* :class:`DaskRunner` runs a file job (what ``intercom-redact redact --dask``
  does): the driver reads the file, tasks redact its chunks, and the driver
  writes their output in input order through the same atomic writer as the
  ``--jobs`` path.  A worker that dies mid-task loses nothing: the scheduler
  runs its tasks again elsewhere, and the nanny restarts it.

The HMAC key is never in a task: workers read it from their environment
(``INTERCOM_REDACT_HMAC_KEY``), like any other secret of the deployment.  A
local cluster started here inherits this process's environment.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .files import (
    FileJob,
    FileStats,
    RedactedPartition,
    RedactorConfig,
    redact_frame,
    redact_partition,
)

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    from dask.delayed import Delayed
    from distributed import Client

__all__ = ["DaskRunner", "RedactedBag", "connect", "redact_bag", "redact_dataframe"]

# The scheduler's HTTP server (health, metrics) on a free local port, without the dashboard.
_NO_DASHBOARD: dict[str, Any] = {"dashboard_address": "127.0.0.1:0", "scheduler_kwargs": {"dashboard": False}}

# Tasks whose exceptions are retried (a worker's death is handled by the scheduler).
_RETRIES = 2


class RedactedBag(NamedTuple):
    """A redacted bag and the counts of the run: compute them together (``dask.compute(*result)``)."""

    records: dask.bag.Bag
    stats: Delayed


def _partition(records: Iterable[Any], config: RedactorConfig, kind: str, scan: bool,
               header: tuple[str, ...] | None) -> list[RedactedPartition]:
    return [redact_partition(records, config, kind=kind, scan=scan, header=header)]


def _records(parts: list[RedactedPartition]) -> list[Any]:
    return parts[0].records


def _stats(parts: list[RedactedPartition]) -> list[FileStats]:
    return [parts[0].stats]


def _merged(stats: Iterable[FileStats]) -> FileStats:
    total = FileStats()
    for one in stats:
        total.merge(one)
    return total


def redact_bag(bag: dask.bag.Bag, config: RedactorConfig, *, kind: str = "values", scan: bool = True,
               header: tuple[str, ...] | None = None) -> RedactedBag:
    """Redact every partition of ``bag`` (records of ``kind``, see :func:`~intercom_redact.files.redact_partition`).

    The records keep their order; ``stats`` is a delayed :class:`~intercom_redact.files.FileStats`
    for the whole bag.  Compute both with one ``dask.compute`` so the redaction runs once.
    """
    from dask.delayed import delayed

    parts = bag.map_partitions(_partition, config, kind, scan, header)  # type: ignore[no-untyped-call]
    stats = delayed(_merged)(parts.map_partitions(_stats))
    return RedactedBag(parts.map_partitions(_records), stats)


def redact_dataframe(frame: dask.dataframe.DataFrame, config: RedactorConfig, *, scan: bool = True,
                     keep_columns: Iterable[str] = ()) -> dask.dataframe.DataFrame:
    """Redact each row of ``frame`` as a record named by its columns (see :func:`~intercom_redact.files.redact_frame`).

    Columns in ``keep_columns`` keep their values and dtype; the others become ``object``.
    """
    keep = tuple(keep_columns)
    meta = frame._meta.astype({name: object for name in frame.columns if name not in keep})
    redacted: dask.dataframe.DataFrame = frame.map_partitions(  # type: ignore[no-untyped-call]
        redact_frame, config, scan=scan, keep_columns=keep, meta=meta)
    return redacted


class DaskRunner:
    """Runs a file job's chunks as Dask tasks and yields their output in input order.

    Pass it as ``runner=`` to :func:`~intercom_redact.files.redact_stream`.  At
    most ``in_flight`` chunks (default: two per worker thread) are submitted or
    held at once, so memory stays flat whatever the size of the input.
    """

    def __init__(self, client: Client, *, in_flight: int | None = None):
        self.client = client
        self.in_flight = in_flight

    def __call__(self, job: FileJob, chunks: Iterator[list[Any]]) -> Iterator[tuple[bytes, FileStats]]:
        threads = self.client.nthreads()  # type: ignore[no-untyped-call]
        limit = self.in_flight or max(2, 2 * sum(threads.values()))
        run = uuid.uuid4().hex[:12]  # chunks are never hashed: a name per run and index
        pending: deque[Any] = deque()
        try:
            for index, chunk in zip(itertools.count(), chunks):
                pending.append(self.client.submit(job, chunk, key=f"intercom-redact-{run}-{index}",
                                                  retries=_RETRIES, pure=False))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # a failed or abandoned run leaves nothing running
                future.cancel()


@contextlib.contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client for ``address`` (``tcp://host:8786``), or for ``local:N``: a new cluster of N processes here.

    A local cluster listens on 127.0.0.1 only, without a dashboard, one thread
    per worker (the engine is CPU-bound Python); it closes with the block.
    """
    from distributed import Client, LocalCluster

    if not address.startswith("local:"):
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"local:N needs a positive number of workers, got {address!r}")
    cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                           host="127.0.0.1", **_NO_DASHBOARD)
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client
