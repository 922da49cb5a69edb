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

The package is split by responsibility: :mod:`~db.backup.format` (names, refusals, reports),
:mod:`~db.backup.values` (portable column values), :mod:`~db.backup.signing` (the manifest's HMAC),
:mod:`~db.backup.dump` (writing), :mod:`~db.backup.checks` (reading a hostile archive) and
:mod:`~db.backup.restoring` (loading). Callers import from ``db.backup``.
"""

from __future__ import annotations

from db.backup.dump import backup
from db.backup.format import FORMAT, FORMAT_VERSION, BackupError, BackupReport, RestoreReport, tables
from db.backup.restoring import restore
from db.backup.signing import check_signature, manifest_mac

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupError", "BackupReport", "RestoreReport", "backup", "check_signature",
           "manifest_mac", "restore", "tables"]
