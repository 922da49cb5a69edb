"""Restoring: into an empty database only, in one transaction, the evidence files through temporary names."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    func,
    inspect,
    select,
    text,
)

from db.backup.checks import _check, _lines, _mismatch, _walk
from db.backup.format import _BATCH, BackupError, RestoreReport, _bad, _fsync_dir, tables
from db.backup.signing import check_signature
from db.backup.values import _decode_row, _kind
from db.evidence import DIR_MODE, FILE_MODE, archive_path, hash_file
from db.schema import EXPECTED_REVISION


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
