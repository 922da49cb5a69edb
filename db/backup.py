"""Backup and restore: every row of every table and the evidence files, in one portable archive.

The archive is a gzip-compressed POSIX tar whose members come in this order and have only these names:

``manifest.json``
    format and version, the Alembic schema revision, ``created_at``, the source backend, per table its
    columns (name and portable type) and row count, and the size and SHA-256 of every other member.
``tables/<table>.jsonl``
    one JSON object per row, tables in foreign-key order, rows in primary-key order. Datetimes are ISO
    8601 with their offset, dates ISO, bytes base64, JSON columns nested JSON; a JSON column holding SQL
    NULL (rather than JSON ``null``) is named in the row's ``"$sql_null"`` list.
``evidence/<aa>/<rest of the sha256>``
    the archived file of each ``evidence_files`` row, as ``db.evidence.archive_path`` lays it out.

Backup reads every table in one read-only snapshot (PostgreSQL REPEATABLE READ READ ONLY; SQLite one
deferred read transaction, a snapshot in WAL mode), so check-ins recorded meanwhile are either wholly in
it or wholly out. Evidence files are content-addressed and written before their rows commit, so those
the snapshot names are on disk and never change.

Restore treats the archive as hostile: it reads it twice, first only checking (member names, types,
sizes, hashes, every row decoded), then loading the rows in one transaction and the files through
temporary names, checking every hash again, so that a refusal or failure at any point writes nothing.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import hmac
import io
import json
import math
import os
import re
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
    func,
    inspect,
    null,
    select,
    text,
)

from db.evidence import DIR_MODE, FILE_MODE, archive_path, hash_file
from db.models import Base
from db.schema import EXPECTED_REVISION

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupError", "BackupReport", "RestoreReport", "backup", "check_signature",
           "manifest_mac", "restore", "tables"]

FORMAT = "liangshan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Bounds on what a restore will read from an archive (it is hostile until its hashes check).
MAX_MANIFEST_BYTES = 64 << 20
MAX_TABLE_BYTES = 8 << 30
MAX_LINE_BYTES = 64 << 20
MAX_EVIDENCE_BYTES = 16 << 30  # one file (the portal's own limit is at most 10 000 MB)
MAX_TOTAL_BYTES = 512 << 30
MAX_MEMBERS = 2_000_000

_CHUNK = 1 << 20
_BATCH = 1000
_SQL_NULL = "$sql_null"
_SHA = re.compile(r"[0-9a-f]{64}")
_EVIDENCE_NAME = re.compile(r"evidence/([0-9a-f]{2})/([0-9a-f]{62})")


class BackupError(Exception):
    """A backup or restore refused or failed; nothing was written. ``code`` is the exit code (2 or 3)."""

    def __init__(self, zh: str, en: str, code: int = 2, member: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.code = code
        self.member = member


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote: the archive, its hash, the rows per table and the evidence files."""

    path: Path
    sha256: str
    size: int
    schema_revision: str
    created_at: str
    rows: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    problems: list[dict[str, str]]  # evidence rows whose file was missing or altered, left out
    seconds: float
    signed: bool = False  # the manifest carries an HMAC made with the installation's secret key


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore loaded."""

    schema_revision: str
    created_at: str
    rows: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    migrated: bool  # the database was blank and was migrated in the same transaction
    missing_evidence: list[str]  # files the backup itself reported missing or altered (verify will too)
    seconds: float
    signed: bool = False  # its signature was checked with the secret key


def tables() -> list[Table]:
    """Our tables, parents before children (the order of the archive and of a restore)."""
    return list(Base.metadata.sorted_tables)


# --- portable values ---------------------------------------------------------------------------


def _kind(column: Column[Any]) -> str:
    """The portable type of a column: json, datetime, date, bytes, bool, int, float, decimal or str."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for cls, name in ((JSON, "json"), (DateTime, "datetime"), (Date, "date"), (LargeBinary, "bytes"), (Boolean, "bool"),
                      (Integer, "int"), (Float, "float"), (Numeric, "decimal"), (String, "str")):
        if isinstance(kind, cls):
            return name
    raise TypeError(f"{column.table.name}.{column.name}: no portable form for {column.type!r}")


def _columns(table: Table) -> list[dict[str, str]]:
    return [{"name": c.name, "type": _kind(c)} for c in table.columns]


def _encode(kind: str, value: Any) -> Any:
    if value is None or kind in ("json", "str", "int", "bool"):
        return value
    if kind == "datetime" or kind == "date":
        return value.isoformat()
    if kind == "float":
        return value if math.isfinite(value) else repr(float(value))  # "nan", "inf", "-inf"
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(kind)


def _decode(column: Column[Any], kind: str, value: Any) -> Any:
    """The Python value of a portable one, checked strictly (raises ValueError saying why)."""
    if kind == "json":
        return value
    if value is None:
        if not column.nullable:
            raise ValueError("不能为空 / must not be null")
        return None
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError("应为文字 / expected a string")
        length = getattr(column.type, "length", None)
        if length is not None and len(value) > length:
            raise ValueError(f"超过 {length} 个字符 / longer than {length}")
        return value
    if kind == "int":
        if type(value) is not int:
            raise ValueError("应为整数 / expected an integer")
        return value
    if kind == "bool":
        if type(value) is not bool:
            raise ValueError("应为 true/false / expected a boolean")
        return value
    if kind == "float":
        if type(value) in (int, float):
            return float(value)
        if value in ("nan", "inf", "-inf"):
            return float(value)
        raise ValueError("应为数值 / expected a number")
    if not isinstance(value, str):
        raise ValueError("应为文字 / expected a string")
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        timezone = getattr(column.type, "timezone", False) or isinstance(column.type, TypeDecorator)
        if timezone and moment.tzinfo is None:
            raise ValueError("缺少时区 / no time zone")
        return moment
    if kind == "date":
        if len(value) != 10:
            raise ValueError("应为 YYYY-MM-DD / expected YYYY-MM-DD")
        return date.fromisoformat(value)
    if kind == "decimal":
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError("应为十进制数 / expected a decimal") from exc
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    raise ValueError(kind)


def _decode_row(table: Table, kinds: dict[str, str], line: bytes, member: str, number: int) -> dict[str, Any]:
    where = f"{member} 第 {number} 行 / line {number}"
    try:
        raw = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"{where}：不是 JSON", f"not JSON: {exc}", member) from exc
    if not isinstance(raw, dict):
        raise _bad(f"{where}：应为对象", "expected an object", member)
    sql_null = raw.pop(_SQL_NULL, [])
    if not isinstance(sql_null, list) or not all(isinstance(n, str) and kinds.get(n) == "json" for n in sql_null):
        raise _bad(f"{where}：{_SQL_NULL} 无效", f"invalid {_SQL_NULL}", member)
    if set(raw) != set(kinds):
        odd = sorted(set(raw) ^ set(kinds))
        raise _bad(f"{where}：列不符（{', '.join(odd)}）", "columns differ from the table's", member)
    row: dict[str, Any] = {}
    for name, kind in kinds.items():
        try:
            row[name] = _decode(table.c[name], kind, raw[name])
        except ValueError as exc:
            raise _bad(f"{where}：{table.name}.{name} {exc}", f"bad value in column {name}", member) from exc
    for name in sql_null:
        if raw[name] is not None:
            raise _bad(f"{where}：{name} 不能既为 SQL NULL 又有值", f"{name} is both SQL NULL and a value", member)
        if not table.c[name].nullable:
            raise _bad(f"{where}：{name} 不能为空", f"{name} must not be null", member)
        row[name] = null()
    return row


def _bad(zh: str, en: str, member: str | None = None) -> BackupError:
    return BackupError(f"备份文件无效：{zh}", f"the backup is invalid: {en}", 2, member)


# --- backup ------------------------------------------------------------------------------------


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


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- reading an archive ----------------------------------------------------------------------------


@dataclass
class _Checked:
    """An archive whose manifest is sound and whose members all hash as the manifest says."""

    manifest: dict[str, Any]
    members: list[dict[str, Any]]
    rows: dict[str, int] = field(default_factory=dict)
    evidence_sizes: dict[str, int] = field(default_factory=dict)  # evidence_files rows: sha -> size


class _Bounded:
    """The uncompressed tar stream, never read past ``limit``: tarfile reads a PAX or GNU long-name header
    whole into memory, so each header may only be as long as ``_SLACK`` allows, and each member's data
    only as long as its manifest entry says."""

    def __init__(self, raw: gzip.GzipFile, limit: int) -> None:
        self.raw = raw
        self.consumed = 0
        self.limit = limit

    def allow(self, size: int) -> None:
        """What may still be read: ``size`` bytes of data, its padding and the next header."""
        self.limit = self.consumed + size + _SLACK

    def read(self, n: int = -1) -> bytes:
        room = self.limit - self.consumed + 1
        data = self.raw.read(room if n is None or n < 0 else min(n, room))
        self.consumed += len(data)
        if self.consumed > self.limit:
            raise _bad("文件头或文件长于清单所写（可能是恶意构造的备份）",
                       "a header or member is longer than the manifest allows (a crafted archive?)")
        return data


_SLACK = 128 << 10  # a member's padding, the next header (with any PAX header) and tarfile's read-ahead


def _open_tar(archive: Path) -> tuple[IO[bytes], gzip.GzipFile, _Bounded, tarfile.TarFile]:
    """The archive as a stream of members. gzip itself (not tarfile's stream mode, which does not) checks the
    CRC and length at the end, so a truncated or altered compressed stream is noticed even after the last member."""
    handle = archive.open("rb")
    try:
        unzipped = gzip.GzipFile(fileobj=handle, mode="rb")
        bounded = _Bounded(unzipped, MAX_MANIFEST_BYTES + _SLACK)
        return handle, unzipped, bounded, tarfile.open(fileobj=bounded, mode="r|")  # type: ignore[call-overload]
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        handle.close()
        raise _bad(f"不是 tar.gz 备份文件（{exc}）", f"not a tar.gz backup ({exc})") from exc


def _read_to_end(bounded: _Bounded) -> None:
    """After the last member: only the tar's zero padding may follow, and the gzip stream must end soundly."""
    bounded.allow(_CHUNK)
    try:
        while chunk := bounded.read(_CHUNK):
            if chunk.strip(b"\0"):
                raise _bad("备份文件在最后一个文件之后还有内容", "there is data after the last member")
    except (EOFError, OSError, zlib.error) as exc:
        raise _bad(f"文件损坏或被截断（{exc}）", f"damaged or truncated ({exc})") from exc


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The tar's members; a damaged or truncated stream is refused."""
    try:
        yield from tar
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise _bad(f"文件损坏或被截断（{exc}）", f"damaged or truncated ({exc})") from exc


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    stream = tar.extractfile(info)
    if stream is None:
        raise _bad(f"{info.name} 不是普通文件", f"{info.name} is not a regular file", info.name)
    return stream


def _chunks(stream: IO[bytes], name: str) -> Iterator[bytes]:
    try:
        while chunk := stream.read(_CHUNK):
            yield chunk
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise _bad(f"{name} 损坏或被截断（{exc}）", f"{name} is damaged or truncated ({exc})", name) from exc


def _lines(chunks: Iterator[bytes], name: str) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        if len(pending) > MAX_LINE_BYTES:
            raise _bad(f"{name} 有一行超过 {MAX_LINE_BYTES} 字节", f"{name} has a line over {MAX_LINE_BYTES} bytes", name)
        yield from complete
    if pending:
        raise _bad(f"{name} 最后一行不完整", f"{name} ends in the middle of a line", name)


def _check_member_header(info: tarfile.TarInfo, expected: dict[str, Any]) -> None:
    name = info.name
    if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) or info.issparse():
        raise _bad(f"{name} 不是普通文件（链接、目录或设备）", f"{name} is not a regular file (link, folder or device)", name)
    if info.size != expected["size"]:
        raise _bad(f"{name} 的大小 {info.size} 与清单 {expected['size']} 不符（文件被截断或改动）",
                   f"{name} has {info.size} bytes, the manifest says {expected['size']} (truncated or altered)", name)


def _mismatch(name: str) -> BackupError:
    return _bad(f"{name} 的 SHA-256 与清单不符（文件被改动或损坏）",
                f"{name} does not match its SHA-256 in the manifest (altered or damaged)", name)


_SIGNATURE = "signature"
_MAC_CONTEXT = b"liangshan backup manifest v1"  # the secret key also signs portal links: a key of its own here


def manifest_mac(key: str, manifest: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest (all but its signature, canonical JSON) under a key derived from ``key``.

    The manifest lists the SHA-256 of every other member, so the MAC covers the whole archive: whoever
    rewrites a member and its manifest entry together cannot make a matching MAC without the key.
    """
    body = {k: v for k, v in manifest.items() if k != _SIGNATURE}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    derived = hmac.new(key.encode("utf-8"), _MAC_CONTEXT, hashlib.sha256).digest()
    return hmac.new(derived, canonical, hashlib.sha256).hexdigest()


def check_signature(manifest: dict[str, Any], key: str | None, allow_unsigned: bool) -> bool:
    """Whether the manifest is signed with ``key``; refuse what cannot be trusted.

    Raises:
        BackupError: signed, but no key was given or the MAC differs (altered, or another key); unsigned
            while a key is set, unless ``allow_unsigned`` (an attacker could drop the signature).
    """
    signature = manifest.get(_SIGNATURE)
    if signature is None:
        if key is not None and not allow_unsigned:
            raise _bad("备份文件没有签名（备份时未设置 LIANGSHAN_SECRET_KEY），无法确认它未被改动；"
                       "确认来源可靠后加 --unsigned 恢复",
                       "the backup is not signed, so it cannot be shown unaltered; add --unsigned if you trust its source",
                       MANIFEST)
        return False
    if key is None:
        raise _bad("备份文件已签名：请设置与备份时相同的 LIANGSHAN_SECRET_KEY，以便核对签名",
                   "the backup is signed: set the LIANGSHAN_SECRET_KEY it was made with, to check the signature", MANIFEST)
    if not hmac.compare_digest(str(signature.get("mac", "")), manifest_mac(key, manifest)):
        raise _bad("签名不符：备份文件被改动过，或 LIANGSHAN_SECRET_KEY 与备份时的不同",
                   "the signature does not match: the backup was altered, or the secret key differs from the one it was made with",
                   MANIFEST)
    return True


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("清单不是 JSON", "the manifest is not JSON", MANIFEST) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad("不是 liangshan 备份文件（清单格式不符）", "not a liangshan backup (wrong manifest format)", MANIFEST)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _bad(f"备份格式版本 {manifest.get('format_version')!r}，本程序只读版本 {FORMAT_VERSION}",
                   f"format version {manifest.get('format_version')!r}; this program reads version {FORMAT_VERSION}", MANIFEST)
    signature = manifest.get(_SIGNATURE)
    if signature is not None and not (isinstance(signature, dict) and signature.get("alg") == "HMAC-SHA256"
                                      and isinstance(signature.get("mac"), str)
                                      and re.fullmatch(r"[0-9a-f]{64}", signature["mac"])):
        raise _bad("清单中的签名无效", "invalid signature in the manifest", MANIFEST)
    revision = manifest.get("schema_revision")
    if revision != EXPECTED_REVISION:
        raise BackupError(f"备份的数据库版本是 {revision}，本程序的版本是 {EXPECTED_REVISION}，不能恢复；"
                          "请用与备份同一版本的程序恢复",
                          f"the backup's schema revision is {revision}, this program's is {EXPECTED_REVISION}; "
                          "restore with the version that made it", 2, MANIFEST)
    ours = tables()
    listed = manifest.get("tables")
    expected_tables = [{"name": t.name, "columns": _columns(t)} for t in ours]
    if not isinstance(listed, list) or [{"name": t.get("name"), "columns": t.get("columns")} if isinstance(t, dict) else t
                                        for t in listed] != expected_tables:
        raise _bad("清单中的表或列与本程序不符", "the manifest's tables or columns differ from this program's", MANIFEST)
    if not all(type(t.get("rows")) is int and t["rows"] >= 0 for t in listed):
        raise _bad("清单中的行数无效", "invalid row counts in the manifest", MANIFEST)
    evidence = manifest.get("evidence")
    if (not isinstance(evidence, dict) or not isinstance(evidence.get("problems"), list)
            or not all(isinstance(p, dict) and isinstance(p.get("sha256"), str) and _SHA.fullmatch(p["sha256"])
                       and p.get("kind") in ("missing", "altered") for p in evidence["problems"])):
        raise _bad("清单中的成果文件部分无效", "invalid evidence section in the manifest", MANIFEST)
    members = manifest.get("members")
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise _bad("清单中的文件列表无效", "invalid member list in the manifest", MANIFEST)
    table_names = [f"tables/{t.name}.jsonl" for t in ours]
    seen: set[str] = set()
    total = 0
    for index, member in enumerate(members):
        if (not isinstance(member, dict) or set(member) != {"name", "size", "sha256"} or not isinstance(member["name"], str)
                or type(member["size"]) is not int or member["size"] < 0 or not isinstance(member["sha256"], str)
                or not _SHA.fullmatch(member["sha256"])):
            raise _bad(f"清单第 {index + 1} 项无效", f"manifest entry {index + 1} is invalid", MANIFEST)
        name = member["name"]
        if index < len(table_names):
            if name != table_names[index]:
                raise _bad(f"清单第 {index + 1} 项应为 {table_names[index]}，而不是 {name!r}",
                           f"entry {index + 1} should be {table_names[index]}, not {name!r}", name)
            limit = MAX_TABLE_BYTES
        else:
            found = _EVIDENCE_NAME.fullmatch(name)
            if found is None:
                raise _bad(f"不允许的文件名 {name!r}（只允许 manifest.json、tables/<表>.jsonl、evidence/<哈希>）",
                           f"member name {name!r} is not allowed", name)
            if found.group(1) + found.group(2) != member["sha256"]:
                raise _bad(f"{name} 的文件名与其 SHA-256 不符", f"{name} is not named by its SHA-256", name)
            limit = MAX_EVIDENCE_BYTES
        if name in seen:
            raise _bad(f"{name} 出现两次", f"{name} is listed twice", name)
        if member["size"] > limit:
            raise _bad(f"{name} 超过 {limit} 字节", f"{name} is larger than {limit} bytes", name)
        seen.add(name)
        total += member["size"]
    if len(members) < len(table_names):
        raise _bad("清单缺少表", "the manifest lacks tables", MANIFEST)
    if total > MAX_TOTAL_BYTES:
        raise _bad(f"备份内容超过 {MAX_TOTAL_BYTES} 字节", f"the backup holds more than {MAX_TOTAL_BYTES} bytes", MANIFEST)
    return manifest


def _read_manifest(tar: tarfile.TarFile, members: Iterator[tarfile.TarInfo], bounded: _Bounded) -> dict[str, Any]:
    info = next(members, None)
    if info is None or info.name != MANIFEST:
        raise _bad("第一个文件应为 manifest.json", "the first member must be manifest.json", info.name if info else MANIFEST)
    if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) or info.size > MAX_MANIFEST_BYTES:
        raise _bad("manifest.json 不是普通文件或过大", "manifest.json is not a regular file or is too large", MANIFEST)
    bounded.allow(info.size)
    return _parse_manifest(b"".join(_chunks(_read_member(tar, info), MANIFEST)))


def _walk(archive: Path, visit_table: Callable[[Table, dict[str, Any], Iterator[bytes]], None],
          visit_evidence: Callable[[str, dict[str, Any], Iterator[bytes]], None]) -> dict[str, Any]:
    """Go through the archive in order, checking each member against the manifest as it is read.

    The visitors get each member's chunks; a hash mismatch is raised after a visitor has consumed them.
    """
    handle, unzipped, bounded, tar = _open_tar(archive)
    with handle, unzipped, tar:
        members = _members(tar)
        manifest = _read_manifest(tar, members, bounded)
        expected: list[dict[str, Any]] = manifest["members"]
        by_table = {t.name: t for t in tables()}
        seen = 0
        for index, info in enumerate(members):
            if index >= len(expected):
                raise _bad(f"多出清单之外的文件 {info.name!r}", f"member {info.name!r} is not in the manifest", info.name)
            member = expected[index]
            if info.name != member["name"]:
                raise _bad(f"第 {index + 2} 个文件应为 {member['name']}，而不是 {info.name!r}",
                           f"member {index + 2} should be {member['name']}, not {info.name!r}", info.name)
            _check_member_header(info, member)
            bounded.allow(info.size)
            digest = hashlib.sha256()
            stream = _hashed(_chunks(_read_member(tar, info), info.name), digest)
            if info.name.startswith("tables/"):
                visit_table(by_table[info.name[len("tables/"):-len(".jsonl")]], member, stream)
            else:
                visit_evidence(member["sha256"], member, stream)
            for _rest in stream:  # a visitor that stopped early still has the whole member hashed
                pass
            if digest.hexdigest() != member["sha256"]:
                raise _mismatch(info.name)
            seen = index + 1
        if seen < len(expected):
            missing = expected[seen]["name"]
            raise _bad(f"缺少 {missing}（文件被截断？）", f"{missing} is missing (truncated?)", missing)
        _read_to_end(bounded)
    return manifest


def _hashed(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _check(archive: Path) -> _Checked:
    """The first pass: every member's name, type, size and hash, every row decoded; nothing is written."""
    rows: dict[str, int] = {}
    evidence_sizes: dict[str, int] = {}

    def visit_table(table: Table, member: dict[str, Any], chunks: Iterator[bytes]) -> None:
        kinds = {c.name: _kind(c) for c in table.columns}
        count = 0
        for count, line in enumerate(_lines(chunks, member["name"]), start=1):
            row = _decode_row(table, kinds, line, member["name"], count)
            if table.name == "evidence_files":
                sha = row["sha256"]
                if not isinstance(sha, str) or not _SHA.fullmatch(sha) or sha in evidence_sizes:
                    raise _bad(f"{member['name']} 第 {count} 行：sha256 无效或重复", f"line {count}: invalid or repeated sha256",
                               member["name"])
                evidence_sizes[sha] = row["size"]
        rows[table.name] = count

    def visit_evidence(sha: str, member: dict[str, Any], chunks: Iterator[bytes]) -> None:
        pass  # hashed by _walk

    manifest = _walk(archive, visit_table, visit_evidence)
    for entry in manifest["tables"]:
        if rows.get(entry["name"]) != entry["rows"]:
            raise _bad(f"表 {entry['name']} 有 {rows.get(entry['name'])} 行，清单为 {entry['rows']} 行",
                       f"table {entry['name']} has {rows.get(entry['name'])} rows, the manifest says {entry['rows']}",
                       f"tables/{entry['name']}.jsonl")
    files = {m["sha256"]: m["size"] for m in manifest["members"] if m["name"].startswith("evidence/")}
    problems = {p["sha256"] for p in manifest["evidence"]["problems"]}
    if problems & set(files) or set(files) | problems != set(evidence_sizes):
        raise _bad("成果文件与 evidence_files 表不一致", "the evidence files do not match the evidence_files table", MANIFEST)
    for sha, size in files.items():
        if evidence_sizes[sha] != size:
            raise _bad(f"成果文件 {sha[:12]} 的大小与 evidence_files 表不符", f"evidence {sha[:12]} differs in size from its row",
                       f"evidence/{sha[:2]}/{sha[2:]}")
    return _Checked(manifest, manifest["members"], rows, evidence_sizes)


# --- restore -------------------------------------------------------------------------------------


def _target_state(conn: Connection) -> tuple[str | None, bool, dict[str, int]]:
    """The database's revision, whether any of our tables exist, and the row count of each non-empty one."""
    existing = set(inspect(conn).get_table_names())
    revision = None
    if "alembic_version" in existing:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    ours = [t for t in tables() if t.name in existing]
    filled = {}
    for table in ours:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            filled[table.name] = int(count)
    return revision, bool(ours), filled


def _refuse_target(revision: str | None, has_tables: bool, filled: dict[str, int]) -> None:
    if filled:
        listed = "、".join(f"{name} {count} 行" for name, count in filled.items())
        raise BackupError(f"目标数据库不是空的（{listed}）；请恢复到新建的空数据库",
                          "the target database is not empty; restore into a new, empty database", 3)
    if revision is None and has_tables:
        raise BackupError("目标数据库中已有表，但没有迁移版本记录；请换一个空数据库",
                          "the target database has tables but no migration record; use an empty database")
    if revision is not None and revision != EXPECTED_REVISION:
        raise BackupError(f"目标数据库的版本是 {revision}，本程序的版本是 {EXPECTED_REVISION}；请先运行 liangshan db upgrade",
                          f"the target database is at revision {revision}, this program's is {EXPECTED_REVISION}; "
                          "run `liangshan db upgrade` first")


def _migrate_in(conn: Connection) -> None:
    """Create the schema with the project's migrations, inside the caller's transaction."""
    from alembic import command
    from alembic.config import Config

    from db.migrate import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: each serial's next value follows the largest id restored (or starts at 1)."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or _kind(keys[0]) != "int":
            continue
        column = keys[0].name
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": quote(table.name), "c": column}).scalar()
        if sequence is None:
            continue
        conn.execute(text(f"SELECT setval(:s, COALESCE((SELECT MAX({quote(column)}) FROM {quote(table.name)}), 1), "
                          f"(SELECT MAX({quote(column)}) FROM {quote(table.name)}) IS NOT NULL)"), {"s": sequence})


@dataclass
class _Placed:
    """Evidence files of a restore: temporary copies, then those moved into place (undone on failure)."""

    root: Path  # home/evidence: folders made at or under it are private (DIR_MODE), as archive_file makes them
    spool: Path
    temps: dict[str, Path] = field(default_factory=dict)
    placed: list[Path] = field(default_factory=list)
    asides: list[tuple[Path, Path]] = field(default_factory=list)  # (aside, original) of a damaged file replaced
    made_dirs: list[Path] = field(default_factory=list)

    def mkdir(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for made in reversed(missing):
            made.mkdir()
            self.made_dirs.append(made)
            if made == self.root or self.root in made.parents:
                os.chmod(made, DIR_MODE)

    def undo(self) -> None:
        for path in [*self.temps.values(), *self.placed]:
            path.unlink(missing_ok=True)
        for aside, original in self.asides:
            os.replace(aside, original)
        for folder in reversed(self.made_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def commit(self) -> None:
        for aside, _original in self.asides:
            aside.unlink(missing_ok=True)
        if self.spool in self.made_dirs:
            with contextlib.suppress(OSError):
                self.spool.rmdir()


def _place(placed: _Placed, home: Path, sha: str, temp: Path) -> None:
    """Move one verified temporary copy to its place in the evidence archive (FILE_MODE, like archive_file)."""
    target = archive_path(home, sha)
    if target.exists():
        if target.is_file() and not target.is_symlink() and hash_file(target)[0] == sha:
            temp.unlink()
            return
        aside = placed.spool / f"aside-{sha}"
        os.replace(target, aside)  # a damaged copy is replaced, and put back if the restore fails
        placed.asides.append((aside, target))
    placed.mkdir(target.parent)
    os.chmod(temp, FILE_MODE)  # read-only before it is in place, never after
    os.replace(temp, target)
    placed.placed.append(target)


def restore(engine: Engine, home: Path, archive: Path, *, key: str | None = None,
            allow_unsigned: bool = False) -> RestoreReport:
    """Load ``archive`` into the empty database of ``engine`` and the evidence archive under ``home``.

    The archive is checked whole first, its signature with ``key`` included (see :func:`check_signature`;
    nothing written); then the rows go in in one transaction and the files through temporary names, each
    hash checked again; any failure undoes both.

    Raises:
        BackupError: code 3 when the database holds rows; code 2 when the archive is not a sound
            backup of this schema revision (naming the member), its signature fails, or the database is
            at another revision.
    """
    started = time.monotonic()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在或不是普通文件", f"backup {archive} does not exist or is not a file")
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    new_file = Path(database) if database and database != ":memory:" and not Path(database).exists() else None
    if new_file is None:  # a SQLite file that does not exist yet is blank; looking would create it
        with engine.connect() as conn, conn.begin():
            _refuse_target(*_target_state(conn))
    checked = _check(archive)
    signed = check_signature(checked.manifest, key, allow_unsigned)
    evidence_bytes = sum(m["size"] for m in checked.members if m["name"].startswith("evidence/"))
    evidence = home / "evidence"
    probe = evidence
    while not probe.exists():
        probe = probe.parent
    if shutil.disk_usage(probe).free < evidence_bytes + (64 << 20):
        raise BackupError(f"{evidence} 所在磁盘空间不足（需要 {evidence_bytes >> 20} MB）",
                          f"not enough disk space for the evidence ({evidence_bytes >> 20} MB)")

    placed = _Placed(evidence, evidence / "tmp")
    migrated = False
    try:
        with engine.begin() as conn:
            revision, has_tables, filled = _target_state(conn)  # again, now holding the transaction
            _refuse_target(revision, has_tables, filled)
            if revision is None:
                _migrate_in(conn)
                migrated = True
            placed.mkdir(placed.spool)
            loaded: dict[str, int] = {}

            def visit_table(table: Table, member: dict[str, Any], chunks: Iterator[bytes]) -> None:
                kinds = {c.name: _kind(c) for c in table.columns}
                batch: list[dict[str, Any]] = []
                count = 0
                for count, line in enumerate(_lines(chunks, member["name"]), start=1):
                    batch.append(_decode_row(table, kinds, line, member["name"], count))
                    if len(batch) >= _BATCH:
                        conn.execute(table.insert(), batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
                loaded[table.name] = count

            def visit_evidence(sha: str, member: dict[str, Any], chunks: Iterator[bytes]) -> None:
                digest = hashlib.sha256()
                with tempfile.NamedTemporaryFile(dir=placed.spool, prefix="restore-", delete=False) as tmp:
                    placed.temps[sha] = Path(tmp.name)
                    for chunk in chunks:
                        digest.update(chunk)
                        tmp.write(chunk)
                    tmp.flush()
                    os.fsync(tmp.fileno())
                if digest.hexdigest() != sha:
                    raise _mismatch(member["name"])

            manifest = _walk(archive, visit_table, visit_evidence)
            if manifest != checked.manifest or loaded != checked.rows:
                raise _bad("备份文件在校验之后、载入之前被改动", "the backup changed between the check and the load")
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
            for sha, temp in list(placed.temps.items()):
                _place(placed, home, sha, temp)
                del placed.temps[sha]
        # committed
    except BaseException:
        placed.undo()
        if new_file is not None:  # the SQLite file this restore created goes too
            engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{new_file}{suffix}").unlink(missing_ok=True)
        raise
    placed.commit()
    for folder in {p.parent for p in placed.placed}:
        _fsync_dir(folder)
    files = sum(1 for m in checked.members if m["name"].startswith("evidence/"))
    return RestoreReport(manifest["schema_revision"], manifest["created_at"], loaded, files, evidence_bytes, migrated,
                         sorted(p["sha256"] for p in manifest["evidence"]["problems"]), time.monotonic() - started, signed)
