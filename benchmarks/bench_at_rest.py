"""What encryption at rest costs: the contact cache and a DSAR export, encrypted against plaintext.

One run, side by side, rounds interleaved (plain, encrypted, plain, …) so machine load hits both:

* **contact cache**: ``SQLStore.put_contact`` (one committed transaction each) and ``get_contact``
  of the fake workspace's busiest contact, cached with a purpose that keeps every field (the
  worst case: the largest value to encrypt), in a SQLite file.  The plaintext baseline is the
  same store with the two sealing methods replaced by identity functions: same SQL, same JSON,
  no cryptography.  The bare AES-GCM seal + open of the same value is timed too.
* **DSAR export**: ``write_export`` of the busiest contact's document (45 conversations), plain
  JSON against the encrypted envelope, and reading it back (``orjson.loads`` of the file against
  ``read_decrypted`` + ``orjson.loads``).  The collection itself (``export_contact_data`` over
  HTTP from the fake) is timed once per round for scale.

    python benchmarks/bench_at_rest.py [--rounds 7] [--ops 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import orjson

from intercom_redact.compliance import DataKey, Keyring, SQLStore, export_contact_data, read_decrypted, write_export
from intercom_redact.compliance.crypto import FieldId, open_field, seal_field
from intercom_redact.testing import FakeIntercom


class _PlaintextStore(SQLStore):
    """The baseline: SQLStore with sealing replaced by identity (never a product mode)."""

    def _seal(self, table: Any, row_key: str, plaintext: bytes) -> str:
        return plaintext.decode()

    def _open(self, table: Any, row_key: str, sealed: str) -> bytes:
        return sealed.encode()


def _per_op(func: Callable[[int], object], ops: int) -> float:
    """Microseconds per call of func(i) for i in range(ops)."""
    started = time.perf_counter()
    for i in range(ops):
        func(i)
    return (time.perf_counter() - started) / ops * 1e6


def _median_pair(rounds: int, plain: Callable[[], float], encrypted: Callable[[], float]) -> tuple[float, float]:
    plain_times, encrypted_times = [], []
    for r in range(rounds):
        pair = [(plain, plain_times), (encrypted, encrypted_times)]
        for measure, into in pair if r % 2 == 0 else reversed(pair):
            into.append(measure())
    return statistics.median(plain_times), statistics.median(encrypted_times)


def _row(label: str, plain: float, encrypted: float, unit: str = "µs") -> str:
    return f"| {label} | {plain:,.1f} {unit} | {encrypted:,.1f} {unit} | {encrypted / plain:.2f}x |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ops", type=int, default=300, help="cache writes/reads per round")
    args = parser.parse_args()
    ring = Keyring([DataKey.generate("bench")])

    with tempfile.TemporaryDirectory() as home, FakeIntercom(seed=0) as fake, fake.client() as client:
        cid = fake.workspace.busiest_contact_id
        collect_times = []
        for _ in range(3):
            started = time.perf_counter()
            document = export_contact_data(client, cid)
            collect_times.append(time.perf_counter() - started)
        contact = document["contact"]
        purposes = {"everything": sorted(contact)}
        stores = {
            "plain": _PlaintextStore(f"sqlite:///{home}/plain.sqlite3", data_key=ring, purpose="everything",
                                     purposes=purposes),
            "encrypted": SQLStore(f"sqlite:///{home}/encrypted.sqlite3", data_key=ring, purpose="everything",
                                  purposes=purposes),
        }

        def put(kind: str) -> Callable[[], float]:
            return lambda: _per_op(lambda i: stores[kind].put_contact({**contact, "id": f"c{i}"}), args.ops)

        def get(kind: str) -> Callable[[], float]:
            return lambda: _per_op(lambda i: stores[kind].get_contact(f"c{i}"), args.ops)

        value = orjson.dumps(contact)
        where = FieldId("sql_cache", "intercom_redact_contact_cache", "c1", "data")
        sealed = seal_field(ring, value, where)
        crypto = statistics.median(
            _per_op(lambda i: open_field(ring, seal_field(ring, value, where), where), args.ops * 10)
            for _ in range(args.rounds))

        put_plain, put_enc = _median_pair(args.rounds, put("plain"), put("encrypted"))
        get_plain, get_enc = _median_pair(args.rounds, get("plain"), get("encrypted"))
        for store in stores.values():
            store.close()

        plain_path, enc_path = os.path.join(home, "dsar.json"), os.path.join(home, "dsar.json.enc")

        def write(path: str, encrypt: bool) -> Callable[[], float]:
            return lambda: _per_op(lambda i: write_export(document, path, encrypt=encrypt, data_key=ring), 5) / 1e3

        write_plain, write_enc = _median_pair(args.rounds, write(plain_path, False), write(enc_path, True))

        def read_plain() -> float:
            return _per_op(lambda i: orjson.loads(open(plain_path, "rb").read()), 5) / 1e3

        def read_enc() -> float:
            return _per_op(lambda i: orjson.loads(read_decrypted(enc_path, ring)), 5) / 1e3

        read_plain_ms, read_enc_ms = _median_pair(args.rounds, read_plain, read_enc)
        plain_size, enc_size = os.path.getsize(plain_path), os.path.getsize(enc_path)

    collect_ms = statistics.median(collect_times) * 1e3
    print(f"contact: {len(value):,} bytes of JSON ({len(contact)} fields); sealed: {len(sealed):,} characters")
    print(f"DSAR: {document['summary']['conversations']} conversations, {plain_size:,} bytes plain, "
          f"{enc_size:,} bytes encrypted; collecting it from the fake: {collect_ms:,.0f} ms (median of 3)")
    print(f"rounds: {args.rounds}, cache ops per round: {args.ops}\n")
    print("| operation | plaintext | encrypted | ratio |\n|---|---:|---:|---:|")
    print(_row("cache put_contact (one transaction)", put_plain, put_enc))
    print(_row("cache get_contact", get_plain, get_enc))
    print(f"| AES-GCM seal + open of the contact alone | | {crypto:,.1f} µs | |")
    print(_row("DSAR write_export (fsync'd)", write_plain, write_enc, "ms"))
    print(_row("DSAR read back (+ orjson.loads)", read_plain_ms, read_enc_ms, "ms"))
    print(f"\nencrypting the DSAR file adds {write_enc - write_plain:,.1f} ms, "
          f"{(write_enc - write_plain) / (collect_ms + write_plain) * 100:.1f}% of collecting + writing it")


if __name__ == "__main__":
    main()
