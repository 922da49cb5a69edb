"""Writing a backup: every table in one read-only snapshot, the evidence files, a signed manifest, one tar.gz."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    event,
    select,
    text,
)

from db.backup.format import _BATCH, FORMAT, FORMAT_VERSION, MANIFEST, BackupError, BackupReport, _fsync_dir, tables
from db.backup.signing import _SIGNATURE, manifest_mac
from db.backup.values import _SQL_NULL, _columns, _encode, _kind
from db.evidence import archive_path, hash_file
from db.models import Base


def _sqlite_snapshot_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" hook issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA query_only = ON")  # a backup never writes
    cursor.close()


def _sqlite_deferred_begin(connection: Any) -> None:
    # A deferred transaction takes no lock until it reads; in WAL mode its first read fixes the
    # snapshot every later read sees, and writers go on meanwhile.
    connection.exec_driver_sql("BEGIN")


def _snapshot_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_snapshot_connect)
        event.listen(engine, "begin", _sqlite_deferred_begin)
        return engine
    from db.engine import make_engine

    return make_engine(url)


class _HashingWriter:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def flush(self) -> None:
        self.handle.flush()


class _HashingReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _dump(conn: Connection, table: Table, handle: IO[bytes]) -> tuple[int, str, int]:
    """Write a table's rows as JSON lines; returns (rows, sha256, size)."""
    kinds = {c.name: _kind(c) for c in table.columns}
    json_columns = [name for name, kind in kinds.items() if kind == "json"]
    flags = [table.c[name].is_(None).label(f"{_SQL_NULL}{name}") for name in json_columns]
    statement = select(*table.columns, *flags).order_by(*table.primary_key.columns)
    writer = _HashingWriter(handle)
    count = 0
    for record in conn.execution_options(yield_per=_BATCH).execute(statement):
        values = record._mapping
        row: dict[str, Any] = {name: _encode(kind, values[name]) for name, kind in kinds.items()}
        sql_null = [name for name in json_columns if values[f"{_SQL_NULL}{name}"]]
        if sql_null:
            row[_SQL_NULL] = sql_null
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
        writer.write(line.encode("utf-8"))
        count += 1
    return count, writer.digest.hexdigest(), writer.size


def _snapshot(url: str, staging: Path, on_table: Callable[[str, int], None] | None
              ) -> tuple[str, str, list[tuple[Table, int, str, int]], list[tuple[str, int]]]:
    """Dump every table in one snapshot; returns (backend, revision, per table (rows, sha, size), evidence rows)."""
    engine = _snapshot_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                dumped = []
                for table in tables():
                    with (staging / f"{table.name}.jsonl").open("wb") as handle:
                        rows, sha, size = _dump(conn, table, handle)
                    dumped.append((table, rows, sha, size))
                    if on_table is not None:
                        on_table(table.name, rows)
                evidence_table = Base.metadata.tables["evidence_files"]
                evidence = [(sha, int(size)) for sha, size in
                            conn.execute(select(evidence_table.c.sha256, evidence_table.c.size).order_by(evidence_table.c.sha256))]
            return engine.dialect.name, str(revision), dumped, evidence
    finally:
        engine.dispose()


def _tarinfo(name: str, size: int, mtime: float, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def backup(url: str, home: Path, out: Path, *, on_table: Callable[[str, int], None] | None = None,
           key: str | None = None) -> BackupReport:
    """Write the archive ``out`` (through a temporary name in its folder, mode 0600) from the database and ``home``.

    ``url`` is only used to connect; it is never written anywhere. ``on_table`` is told each table as
    it is dumped (name, rows), inside the snapshot. With ``key`` (the installation's secret key) the
    manifest is signed (:func:`manifest_mac`); the key itself is written nowhere.

    Raises:
        BackupError: the folder of ``out`` does not exist, or an evidence file changed while being copied.
    """
    started = time.monotonic()
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BackupError(f"文件夹 {folder} 不存在", f"folder {folder} does not exist")
    created = datetime.now(UTC)
    partial: Path | None = None
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=folder) as staging_dir:
        staging = Path(staging_dir)
        backend, revision, dumped, evidence = _snapshot(url, staging, on_table)
        members: list[dict[str, Any]] = []
        for table, _rows, sha, size in dumped:
            members.append({"name": f"tables/{table.name}.jsonl", "size": size, "sha256": sha})
        problems: list[dict[str, str]] = []
        kept: list[tuple[str, int]] = []
        for sha, size in evidence:
            path = archive_path(home, sha)
            if not path.is_file():
                problems.append({"sha256": sha, "kind": "missing"})
                continue
            actual, actual_size = hash_file(path)
            if (actual, actual_size) != (sha, size):
                problems.append({"sha256": sha, "kind": "altered"})
                continue
            kept.append((sha, size))
            members.append({"name": f"evidence/{sha[:2]}/{sha[2:]}", "size": size, "sha256": sha})
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": revision,
            "created_at": created.isoformat(),
            "source_backend": backend,
            "tables": [{"name": t.name, "rows": rows, "columns": _columns(t)} for t, rows, _sha, _size in dumped],
            "evidence": {"files": len(kept), "bytes": sum(s for _sha, s in kept), "problems": problems},
            "members": members,
        }
        if key is not None:
            manifest[_SIGNATURE] = {"alg": "HMAC-SHA256", "mac": manifest_mac(key, manifest)}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        mtime = created.timestamp()
        fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=folder)
        partial = Path(temp_name)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as raw:
                writer = _HashingWriter(raw)
                with tarfile.open(fileobj=writer, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                    tar.addfile(_tarinfo(MANIFEST, len(manifest_bytes), mtime, 0o600), io.BytesIO(manifest_bytes))
                    for table, _rows, _sha, size in dumped:
                        with (staging / f"{table.name}.jsonl").open("rb") as handle:
                            tar.addfile(_tarinfo(f"tables/{table.name}.jsonl", size, mtime, 0o600), handle)
                    for sha, size in kept:
                        with archive_path(home, sha).open("rb") as handle:
                            reader = _HashingReader(handle)
                            tar.addfile(_tarinfo(f"evidence/{sha[:2]}/{sha[2:]}", size, mtime, 0o400), reader)
                        if reader.digest.hexdigest() != sha:
                            raise BackupError(f"成果文件 {sha[:12]} 在复制时被改动",
                                              f"evidence file {sha[:12]} changed while copied")
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, out)
            partial = None
            _fsync_dir(folder)
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)
    return BackupReport(out, writer.digest.hexdigest(), writer.size, revision, created.isoformat(),
                        {t.name: rows for t, rows, _sha, _size in dumped}, len(kept), sum(s for _sha, s in kept), problems,
                        time.monotonic() - started, key is not None)
