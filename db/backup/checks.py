"""Reading a hostile archive: bounded headers and members, a manifest checked against this schema, every hash.

Nothing here writes; :func:`_walk` hands each checked member to a visitor, and :func:`_check` is the first pass
of a restore, decoding every row without loading it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Table,
)

from db.backup.format import FORMAT, FORMAT_VERSION, MANIFEST, BackupError, _bad, tables
from db.backup.signing import _SIGNATURE
from db.backup.values import _columns, _decode_row, _kind
from db.schema import EXPECTED_REVISION

MAX_MANIFEST_BYTES = 64 << 20
MAX_TABLE_BYTES = 8 << 30
MAX_LINE_BYTES = 64 << 20
MAX_EVIDENCE_BYTES = 16 << 30  # one file (the portal's own limit is at most 10 000 MB)
MAX_TOTAL_BYTES = 512 << 30
MAX_MEMBERS = 2_000_000
_CHUNK = 1 << 20
_SHA = re.compile(r"[0-9a-f]{64}")
_EVIDENCE_NAME = re.compile(r"evidence/([0-9a-f]{2})/([0-9a-f]{62})")


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
