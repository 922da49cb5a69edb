"""``liangshan backup`` and ``liangshan restore``: the database and the evidence archive in one file.

The archive format, the snapshot and the checks are in the ``db/backup`` package. Neither command prints the
database URL (not even redacted): a backup log is often mailed or kept beside the archive.

Exit codes: backup ``0`` written; ``1`` written, but some evidence files were missing or altered and
were left out (named); ``2`` bad input (``--out`` exists without ``--force``, its folder is missing).
Restore ``0`` restored; ``2`` the archive is not a sound backup (tampered, truncated, a member name
or type not allowed, too large), its signature does not match LIANGSHAN_SECRET_KEY (or it is unsigned
while a key is set, without ``--unsigned``), or was made by another schema revision, or the database is
at another revision; ``3`` the target database already holds rows. On any refusal nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import err, fail, out
from cli.context import Context
from cli.exits import Exit

__all__ = ["backup", "restore"]

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]


def _unreachable(exc: Exception) -> None:
    orig = getattr(exc, "orig", None) or exc
    fail(f"无法连接数据库：{str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__} / "
         "cannot reach the database")


def backup(
    out_file: Annotated[Path, typer.Option("--out", help="备份文件，如 liangshan-2026-11-30.tar.gz / the archive to write.")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的同名文件 / replace an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """备份：把数据库全部记录（一致的快照，运行中也可备份）和成果档案写入一个文件（权限 0600）
    / back up every table and the evidence archive into one file."""
    from sqlalchemy.exc import OperationalError

    from db.backup import BackupError
    from db.backup import backup as write_backup

    if out_file.exists() and not force:
        fail(f"{out_file} 已存在；要覆盖请加 --force / {out_file} exists: add --force to replace it")
    if out_file.exists() and not out_file.is_file():
        fail(f"{out_file} 不是普通文件 / {out_file} is not a regular file")
    ctx = Context.ready()
    try:
        report = write_backup(ctx.url, ctx.home, out_file, key=ctx.settings.portal_key())
    except BackupError as exc:
        fail(f"备份失败 backup failed: {exc.zh} / {exc.en}", Exit(exc.code))
    except OperationalError as exc:
        _unreachable(exc)
    rows = sum(report.rows.values())
    if as_json:
        typer.echo(json.dumps({"path": str(report.path), "sha256": report.sha256, "bytes": report.size,
                               "schema_revision": report.schema_revision, "created_at": report.created_at,
                               "rows": report.rows, "evidence_files": report.evidence_files,
                               "evidence_bytes": report.evidence_bytes, "problems": report.problems,
                               "signed": report.signed, "seconds": round(report.seconds, 3)}, ensure_ascii=False, indent=2))
    else:
        out.print(f"已备份 backup written: {report.path}  （{report.size / 1e6:.1f} MB，用时 {report.seconds:.1f} 秒）",
                  markup=False)
        out.print(f"  数据库版本 revision {report.schema_revision}，{len(report.rows)} 个表共 {rows} 行 rows，"
                  f"成果文件 {report.evidence_files} 个 evidence files（{report.evidence_bytes / 1e6:.1f} MB）", markup=False)
        out.print(f"  sha256 {report.sha256}", markup=False)
        if report.signed:
            out.print("  清单已用 LIANGSHAN_SECRET_KEY 签名 / manifest signed (HMAC-SHA256)", markup=False)
    if not report.signed:
        err.print("备份未签名：未设置 LIANGSHAN_SECRET_KEY，恢复时无法确认备份未被改动 / "
                  "unsigned: LIANGSHAN_SECRET_KEY is not set", markup=False)
    for problem in report.problems:
        kind = "缺失 missing" if problem["kind"] == "missing" else "被改动 altered"
        err.print(f"成果文件{kind}，未备份 / left out: {problem['sha256']}", markup=False, style="red")
    if report.problems:
        err.print(f"{len(report.problems)} 个成果文件未能备份，请运行 liangshan verify 查看 / "
                  f"{len(report.problems)} evidence file(s) left out: run `liangshan verify`", markup=False)
        raise typer.Exit(int(Exit.FINDING))


def restore(
    archive: Annotated[Path, typer.Argument(help="liangshan backup 写出的备份文件 / a file written by liangshan backup.")],
    unsigned: Annotated[bool, typer.Option(
        "--unsigned", help="设置了 LIANGSHAN_SECRET_KEY 时也恢复未签名的备份（确认来源可靠）/ accept an unsigned backup.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """恢复：把备份文件载入空数据库和成果档案；先校验清单中每个文件的哈希，全部成功或全部不写入
    / restore a backup into an empty database, all or nothing."""
    from sqlalchemy.exc import OperationalError

    from db.backup import BackupError
    from db.backup import restore as load_backup

    ctx = Context()
    try:
        report = load_backup(ctx.engine, ctx.home, archive, key=ctx.settings.portal_key(), allow_unsigned=unsigned)
    except BackupError as exc:
        where = f"（{exc.member}）" if exc.member and exc.member not in exc.zh else ""
        fail(f"未恢复 refused: {exc.zh}{where} / {exc.en}\n未写入任何内容 / nothing was written", Exit(exc.code))
    except OperationalError as exc:
        _unreachable(exc)
    rows = sum(report.rows.values())
    if as_json:
        typer.echo(json.dumps({"schema_revision": report.schema_revision, "created_at": report.created_at,
                               "rows": report.rows, "evidence_files": report.evidence_files,
                               "evidence_bytes": report.evidence_bytes, "migrated": report.migrated,
                               "missing_evidence": report.missing_evidence, "signed": report.signed,
                               "seconds": round(report.seconds, 3)},
                              ensure_ascii=False, indent=2))
    else:
        made = "（空数据库已迁移到此版本 migrated）" if report.migrated else ""
        out.print(f"已恢复 restored: {archive}（备份于 made {report.created_at}，数据库版本 revision "
                  f"{report.schema_revision}{made}）", markup=False)
        out.print(f"  {len(report.rows)} 个表共 {rows} 行 rows，成果文件 {report.evidence_files} 个 evidence files"
                  f"（{report.evidence_bytes / 1e6:.1f} MB），用时 {report.seconds:.1f} 秒", markup=False)
        out.print(f"  {'签名核对无误 signature checked' if report.signed else '备份未签名 unsigned'}；"
                  "请运行 liangshan verify 校验成果档案 / run `liangshan verify` to check the evidence archive", markup=False)
    if report.missing_evidence:
        err.print(f"备份时已有 {len(report.missing_evidence)} 个成果文件缺失或被改动，未能恢复 / "
                  f"{len(report.missing_evidence)} evidence file(s) were already missing when backed up", markup=False)
