"""`liangshan backup` and `liangshan restore`: SQLite to PostgreSQL and back, refusals, a snapshot under writes."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import create_engine, func, insert, inspect, null, select, text
from typer.testing import CliRunner

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.messages import Draft
from core.workdays import WorkdayCalendar
from db import backup as backup_module
from db.backup import BackupError, checks, restoring, tables
from db.engine import make_engine, make_sessionmaker
from db.models import AuditEntry, CheckInFile, CheckInRow, EvidenceFile
from db.outbox import deliver, enqueue
from db.records import CheckInRequest, Recorder
from db.schema import EXPECTED_REVISION
from tests.db.conftest import _PG_PROBLEM, PG_ADMIN_URL, Database

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"
PASSWORD = "s3cret-Passw0rd"  # trust auth ignores it; it must never reach the archive or the output


def _pg_or_skip() -> None:
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} unreachable: {_PG_PROBLEM}")


@pytest.fixture(name="new_db")
def fixture_new_db(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes empty databases: a SQLite file, or a fresh PostgreSQL schema (dropped afterwards) whose URL has a password."""
    schemas: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.db'}"
        _pg_or_skip()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        schemas.append(schema)
        url = PG_ADMIN_URL.replace("postgres@", f"postgres:{PASSWORD}@", 1)
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options=-csearch_path%3D{schema}"

    yield make
    if schemas:
        admin = create_engine(PG_ADMIN_URL)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _env(url: str, home: Path) -> dict[str, str]:
    return {"LIANGSHAN_DB_URL": url, "LIANGSHAN_HOME": str(home), "LIANGSHAN_ACTOR": "tester"}


def _ok(args: list[str], env: dict[str, str], code: int = 0) -> Any:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == code, (args, result.output)
    return result


def populate(url: str, home: Path, tmp_path: Path) -> dict[str, str]:
    """A database filled through the real commands, with evidence on check-ins, values, cases and projects."""
    env = _env(url, home)
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    (files / "summary.docx").write_bytes("2026年度工作总结".encode() + bytes(range(256)))
    (files / "photo.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(2000))
    (files / "project.pdf").write_bytes(b"%PDF-1.4 project")
    _ok(["init"], env)
    _ok(["import", str(EXAMPLES / "huyi-sample-events.yaml")], env)
    _ok(["indicator", "import", str(EXAMPLES / "huyi-sample-indicators.yaml")], env)
    _ok(["case", "import", str(EXAMPLES / "huyi-sample-cases.yaml")], env)
    _ok(["checkin", "build.annual-summary.2026", "--by", "office", "--file", str(files / "summary.docx"),
         "--note", "年度总结（含附件）", "--at", "2026-11-20T09:30"], env)
    _ok(["indicator", "record", "2b", "--year", "2026", "--value", "1", "--by", "eco", "--file", str(files / "photo.jpg"),
         "--at", "2026-11-21"], env)
    _ok(["case", "add", "--theme", "1", "--by", "eco", "--title", "测试案例", "--file", str(files / "photo.jpg"),
         "--at", "2026-11-22"], env)
    _ok(["project", "add", "P-1", "--name", "测试项目", "--by", "eco", "--year", "2026", "--planned", "12.25",
         "--file", str(files / "project.pdf")], env)
    _ok(["ack", "build.leadership", "--by", "office"], env)
    _ok(["progress", "report", "build.pathways", "--by", "ndrc", "--text", "本季度完成转化路径调研，形成工作思路和项目清单。",
         "--percent", "30", "--file", str(files / "photo.jpg"), "--at", "2026-11-23T10:00"], env)
    _ok(["extend", "build.pathways", "--to", "2029-06-30", "--reason", "测试延期"], env)
    _ok(["task", "add", "--title", "测试交办事项", "--owners", "water,eco", "--due", "2026年12月底", "--meeting",
         "meetings.2026q3", "--at", "2026-11-25"], env)
    _ok(["link", "eco"], env | {"LIANGSHAN_SECRET_KEY": "k" * 48, "LIANGSHAN_PORTAL_URL": "http://127.0.0.1:8700"})
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    enqueue(sessions, "huyi-two-mountains", date(2026, 11, 23),
            [Draft("eco", "待报送", "请报送材料", ("k1", "k2"), ("build.pathways",), False, attachments=("reports/a.xlsx",))])
    sent = SimpleNamespace(service="wecom", ok=True)
    deliver(sessions, lambda *args, **kwargs: [sent], lambda _r: True, home=home)
    with engine.begin() as conn:  # a JSON column holding SQL NULL, unlike the JSON null the ORM writes
        conn.execute(insert(AuditEntry.__table__).values(at=datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=UTC), actor="t",
                                                          action="note", plan_id="huyi-two-mountains", entity="x",
                                                          entity_id="1", before=null(), after={"浮点": 0.1, "列表": [1, None]}))
    engine.dispose()
    return env


def _views(env: dict[str, str]) -> tuple[str, str]:
    status = _ok(["status", "--json", "--as-of", "2026-11-30"], env).stdout
    history = _ok(["history", "--json"], env).stdout
    return status, history


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables()}
    finally:
        engine.dispose()


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


CROSS = [pytest.param("sqlite", "postgres", marks=pytest.mark.postgres, id="sqlite-to-postgres"),
         pytest.param("postgres", "sqlite", marks=pytest.mark.postgres, id="postgres-to-sqlite")]


@pytest.mark.parametrize(("source", "target"), CROSS)
def test_round_trip_between_backends(source: str, target: str, new_db: Callable[[str], str], tmp_path: Path) -> None:
    """Backup, restore into an empty database of the other kind: verify passes, status and history are identical."""
    src_url, dst_url = new_db(source), new_db(target)
    src = populate(src_url, tmp_path / "src-home", tmp_path)
    dst = _env(dst_url, tmp_path / "dst-home")
    archive = tmp_path / "out" / "liangshan.tar.gz"
    archive.parent.mkdir()

    made = _ok(["backup", "--out", str(archive)], src)
    assert "已备份" in made.stdout and "backup written" in made.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(archive.parent)) == ["liangshan.tar.gz"]  # no temporary left beside it
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    assert manifest["schema_revision"] == EXPECTED_REVISION and manifest["format_version"] == 1
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == _counts(src_url)
    assert manifest["evidence"] == {"files": 3, "bytes": manifest["evidence"]["bytes"], "problems": []}
    assert next(iter(members)) == "manifest.json"
    everything = gzip.decompress(archive.read_bytes()) + made.output.encode()
    for secret in (PASSWORD, src_url, "search_path", "127.0.0.1:5432", "k" * 48):
        assert secret.encode() not in everything

    restored = _ok(["restore", str(archive)], dst)
    assert "已恢复" in restored.stdout and PASSWORD not in restored.output
    assert _ok(["verify"], dst).stdout.startswith("已校验 3 个文件，0 个有问题")
    assert _views(dst) == _views(src)
    assert _counts(dst_url) == _counts(src_url)
    assert _counts(dst_url)["progress_reports"] == 1  # 进展报送 travel with the backup
    assert _ok(["progress", "list", "--json", "--as-of", "2026-11-30"], dst).stdout == \
        _ok(["progress", "list", "--json", "--as-of", "2026-11-30"], src).stdout

    again = tmp_path / "out" / "again.tar.gz"
    _ok(["backup", "--out", str(again)], dst)
    second = _members(again)
    assert {k: v for k, v in second.items() if k != "manifest.json"} == {k: v for k, v in members.items() if k != "manifest.json"}

    # new rows after the restore get fresh ids (PostgreSQL sequences were moved past the restored ids)
    top = max(json.loads(line)["id"] for line in members["tables/checkins.jsonl"].splitlines())
    (tmp_path / "later.txt").write_text("恢复后新报送", encoding="utf-8")
    _ok(["checkin", "build.leadership", "--by", "office", "--file", str(tmp_path / "later.txt"), "--at", "2026-11-29"], dst)
    engine = make_engine(dst_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.max(CheckInRow.id))).scalar_one() > top
    engine.dispose()


def test_non_empty_target_is_refused_and_nothing_written(database: Database, sample: Path) -> None:
    """A database that holds any row (here: the loaded plan) is refused with exit 3; its rows and home stay as they were."""
    before = _counts(database.url)
    refused = _ok(["restore", str(sample)], database.env(), code=3)
    assert "目标数据库不是空的" in refused.stderr and "plan_versions 1 行" in refused.stderr
    assert "未写入任何内容 / nothing was written" in refused.stderr
    assert _counts(database.url) == before
    assert not database.home.exists()


def _rewrite(source: Path, target: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> None:
    """Copy an archive member by member, letting ``change`` edit the list first."""
    with tarfile.open(source, "r:gz") as tar:
        items = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    change(items)
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in items:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)


def _set_manifest(items: list[tuple[tarfile.TarInfo, bytes]], edit: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads(items[0][1])
    edit(manifest)
    items[0] = (items[0][0], json.dumps(manifest).encode())


@pytest.fixture(name="sample", scope="module")
def fixture_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a populated SQLite database, made once; tests only read it."""
    root = tmp_path_factory.mktemp("sample")
    src = populate(f"sqlite:///{root / 'source.db'}", root / "src-home", root)
    archive = root / "sample.tar.gz"
    _ok(["backup", "--out", str(archive)], src)
    archive.chmod(0o400)
    return archive


def _refused(archive: Path, tmp_path: Path, code: int = 2) -> str:
    """Restore into a fresh SQLite database: refused with ``code``; the database has no table, the home no file."""
    url = f"sqlite:///{tmp_path / f'target-{uuid.uuid4().hex[:6]}.db'}"
    home = tmp_path / f"target-home-{uuid.uuid4().hex[:6]}"
    result = _ok(["restore", str(archive)], _env(url, home), code=code)
    assert "未恢复 refused" in result.stderr and "未写入任何内容 / nothing was written" in result.stderr
    assert not Path(url.split("///", 1)[1]).exists()  # not even an empty database file
    assert not home.exists() or not any(p.is_file() for p in home.rglob("*"))
    return result.stderr


def test_altered_member_is_refused(sample: Path, tmp_path: Path) -> None:
    """One changed byte in a table or an evidence file (same size) fails its hash; the member is named."""
    def alter(name: str) -> Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]:
        def change(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
            for i, (info, data) in enumerate(items):
                if info.name == name:
                    items[i] = (info, data.replace(b"2024-04-17", b"2024-04-16", 1) if name.startswith("tables/")
                                else bytes([data[0] ^ 1]) + data[1:])
        return change

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(sample, tampered, alter("tables/checkins.jsonl"))
    message = _refused(tampered, tmp_path)
    assert "tables/checkins.jsonl 的 SHA-256 与清单不符" in message
    evidence = next(n for n in _members(sample) if n.startswith("evidence/"))
    _rewrite(sample, tampered, alter(evidence))
    assert f"{evidence} 的 SHA-256 与清单不符" in _refused(tampered, tmp_path)


def test_truncated_archive_is_refused(sample: Path, tmp_path: Path) -> None:
    """An archive cut short (a copy interrupted) is refused naming where it breaks off."""
    data = sample.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        short = tmp_path / f"short-{cut}.tar.gz"
        short.write_bytes(data[:cut])
        message = _refused(short, tmp_path)
        assert "损坏或被截断" in message or "缺少" in message


def test_hostile_members_are_refused(sample: Path, tmp_path: Path) -> None:
    """Path traversal, absolute names, links and unlisted members are refused before anything is written."""
    hostile = tmp_path / "hostile.tar.gz"
    outside = tmp_path / "escaped.txt"

    def traversal(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        info = tarfile.TarInfo(f"../../{outside.name}")
        items.append((info, b"owned"))
        _set_manifest(items, lambda m: m["members"].append({"name": info.name, "size": 5, "sha256": "0" * 64}))

    _rewrite(sample, hostile, traversal)
    assert "不允许的文件名 '../../escaped.txt'" in _refused(hostile, tmp_path)
    assert not outside.exists()

    def absolute(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        items.append((tarfile.TarInfo("/tmp/evil"), b"x"))

    _rewrite(sample, hostile, absolute)
    assert "多出清单之外的文件 '/tmp/evil'" in _refused(hostile, tmp_path)

    def symlink(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        for i, (info, _data) in enumerate(items):
            if info.name.startswith("evidence/"):
                link = tarfile.TarInfo(info.name)
                link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
                items[i] = (link, b"")
                return

    _rewrite(sample, hostile, symlink)
    assert "不是普通文件" in _refused(hostile, tmp_path)

    def huge_header(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        items[1][0].pax_headers = {"comment": "x" * (1 << 20)}  # tarfile would hold a header this long in memory

    _rewrite(sample, hostile, huge_header)
    assert "文件头或文件长于清单所写" in _refused(hostile, tmp_path)


def test_wrong_schema_revision_is_refused(sample: Path, tmp_path: Path) -> None:
    """A backup made at another revision is refused, saying both revisions."""
    older = tmp_path / "older.tar.gz"
    _rewrite(sample, older, lambda items: _set_manifest(items, lambda m: m.update(schema_revision="0006")))
    message = _refused(older, tmp_path)
    assert f"备份的数据库版本是 0006，本程序的版本是 {EXPECTED_REVISION}" in message and "schema revision is 0006" in message


def test_target_at_another_revision_is_refused(sample: Path, tmp_path: Path) -> None:
    """An empty database migrated only to an older revision is refused (upgrade it first); it is left as it was."""
    from db import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "0006")
    result = _ok(["restore", str(sample)], _env(url, tmp_path / "home"), code=2)
    assert "目标数据库的版本是 0006" in result.stderr and "liangshan db upgrade" in result.stderr
    assert migrate.current(engine) == "0006"
    engine.dispose()


def test_oversized_member_is_refused(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sizes are bounded before anything is read: a file larger than the limit is refused by name."""
    monkeypatch.setattr(checks, "MAX_EVIDENCE_BYTES", 100)
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    with pytest.raises(BackupError) as refused:
        backup_module.restore(engine, tmp_path / "home", sample)
    assert refused.value.code == 2 and refused.value.member is not None and refused.value.member.startswith("evidence/")
    assert "超过 100 字节" in refused.value.zh
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_failure_while_loading_leaves_nothing(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the rows went in and a file was placed undoes both: no table, no file, no temporary."""
    real_place = restoring._place
    calls = []

    def place_then_fail(placed: Any, home: Path, sha: str, temp: Path) -> None:
        calls.append(sha)
        if len(calls) == 2:
            raise OSError("disk full")
        real_place(placed, home, sha, temp)

    monkeypatch.setattr(restoring, "_place", place_then_fail)
    engine = make_engine(f"sqlite:///{tmp_path / 'fail.db'}")
    home = tmp_path / "home"
    with pytest.raises(OSError, match="disk full"):
        backup_module.restore(engine, home, sample)
    assert len(calls) == 2
    assert not home.exists() and not (tmp_path / "fail.db").exists()
    engine.dispose()


def test_failure_in_an_existing_database_rolls_back_the_migration(sample: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A blank database file that was there before stays, blank: the migration was in the rows' transaction."""
    monkeypatch.setattr(restoring, "_place", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    with pytest.raises(OSError, match="disk full"):
        backup_module.restore(engine, tmp_path / "home", sample)
    assert (tmp_path / "blank.db").exists() and inspect(engine).get_table_names() == []
    engine.dispose()


def test_missing_evidence_is_reported_and_kept_out(new_db: Callable[[str], str], tmp_path: Path) -> None:
    """A file gone from the archive: the backup is written without it and exits 1; restore and verify say so."""
    home = tmp_path / "src-home"
    src = populate(new_db("sqlite"), home, tmp_path)
    gone = next(p for p in (home / "evidence").rglob("*") if p.is_file() and p.parent.name != "tmp")
    gone.chmod(0o644)
    gone.unlink()
    archive = tmp_path / "b.tar.gz"
    made = _ok(["backup", "--out", str(archive)], src, code=1)
    assert "缺失 missing" in made.stderr and gone.parent.name + gone.name in made.stderr
    dst = _env(new_db("sqlite"), tmp_path / "dst-home")
    restored = _ok(["restore", str(archive)], dst)
    assert "备份时已有 1 个成果文件缺失" in restored.stderr
    assert "缺失 missing" in _ok(["verify"], dst, code=1).stdout


def test_out_exists_needs_force(sample: Path, new_db: Callable[[str], str], tmp_path: Path) -> None:
    """An existing --out is replaced only with --force (renamed over it: never a half-written file under the name)."""
    env = _env(new_db("sqlite"), tmp_path / "home")
    _ok(["init"], env)
    existing = tmp_path / "nightly.tar.gz"
    existing.write_bytes(sample.read_bytes())
    assert "已存在" in _ok(["backup", "--out", str(existing)], env, code=2).stderr
    assert existing.read_bytes() == sample.read_bytes()
    _ok(["backup", "--out", str(existing), "--force"], env)
    assert json.loads(_members(existing)["manifest.json"])["tables"][0]["rows"] == 0
    assert existing.stat().st_mode & 0o777 == 0o600 and sorted(os.listdir(tmp_path)).count("nightly.tar.gz") == 1
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".nightly")]


def _writer(url: str, home: Path, stop: threading.Event, errors: list[str]) -> None:
    """Check-ins with a new file each, one after another, until stopped."""
    engine = make_engine(url)
    recorder = Recorder(make_sessionmaker(engine), load_plan(DEFAULT_PLAN), WorkdayCalendar(), home, "writer")
    index = 0
    try:
        while not stop.is_set():
            index += 1
            evidence = home.parent / f"w-{index}.txt"
            evidence.write_text(f"并发报送 {index}", encoding="utf-8")
            recorder.checkin(CheckInRequest("mobilize.work-plan", "eco", ("work-plan",), (evidence,),
                                            at=datetime(2024, 4, 8, 2, index % 60, tzinfo=UTC)))
    except Exception as exc:  # reported to the test
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_backup_is_one_snapshot_while_checkins_are_written(database: Database, new_db: Callable[[str], str],
                                                          tmp_path: Path) -> None:
    """Check-ins go on during the backup; the restored data is one moment of them: every foreign key holds, each
    check-in has its audit entry and its file, and every count is the manifest's."""
    database.home.mkdir(parents=True, exist_ok=True)
    stop, errors = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(database.url, database.home, stop, errors))
    seen: list[int] = []
    probe = make_engine(database.url)

    def on_table(_name: str, _rows: int) -> None:
        with probe.connect() as conn:
            seen.append(conn.execute(select(func.count()).select_from(CheckInRow)).scalar_one())
        time.sleep(0.03)

    thread.start()
    try:
        deadline = time.monotonic() + 30
        while _counts(database.url)["checkins"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        archive = tmp_path / "live.tar.gz"
        report = backup_module.backup(database.url, database.home, archive, on_table=on_table)
    finally:
        stop.set()
        thread.join(timeout=60)
        probe.dispose()
    assert errors == []
    assert seen[-1] > seen[0], "no check-in was written while the tables were being read"
    assert report.problems == []

    target_url = new_db("sqlite")
    target = _env(target_url, tmp_path / "restored-home")
    _ok(["restore", str(archive)], target)
    manifest = json.loads(_members(archive)["manifest.json"])
    counts = _counts(target_url)
    assert counts == {t["name"]: t["rows"] for t in manifest["tables"]} == report.rows
    assert 3 <= counts["checkins"] <= seen[0] < seen[-1]  # the snapshot began before the first table was read
    engine = make_engine(target_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        checkins = conn.execute(select(func.count()).select_from(CheckInRow)).scalar_one()
        audited = conn.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "checkin")).scalar_one()
        with_file = conn.execute(select(func.count(func.distinct(CheckInFile.checkin_id)))).scalar_one()
        evidence = conn.execute(select(func.count()).select_from(EvidenceFile)).scalar_one()
    engine.dispose()
    assert checkins == audited == with_file == evidence
    assert _ok(["verify"], target).stdout.startswith(f"已校验 {evidence} 个文件，0 个有问题")


SIGNING_KEY = "backup-signing-key-7d1e0c5b9a2f4e6d8c0b1a3f5e7d9c1b"


def _resigned_member(name: str) -> Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]:
    """Change a row of ``name`` and write its new SHA-256 and size into the manifest, keeping the signature:
    what someone who can rewrite the archive, but does not hold the key, would do."""
    import hashlib

    def change(items: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        for i, (info, data) in enumerate(items):
            if info.name == name:
                items[i] = (info, data.replace("测试延期".encode(), "已经同意".encode(), 1))
                new = items[i][1]

        def edit(manifest: dict[str, Any]) -> None:
            entry = next(m for m in manifest["members"] if m["name"] == name)
            entry["sha256"], entry["size"] = hashlib.sha256(new).hexdigest(), len(new)
        _set_manifest(items, edit)
    return change


def test_a_signed_backup_restores_only_with_its_key(sample: Path, tmp_path: Path) -> None:
    """With LIANGSHAN_SECRET_KEY set, backup signs the manifest (HMAC) and says so; restore with the same key
    checks it. Refused, nothing written: no key, another key, a member rewritten together with its manifest
    entry; an unsigned backup while a key is set, unless --unsigned. The key is in no output and no member."""
    source = _env(f"sqlite:///{tmp_path / 'source.db'}", tmp_path / "source-home")
    _ok(["restore", str(sample)], source)
    signed = tmp_path / "signed.tar.gz"
    made = _ok(["backup", "--out", str(signed), "--json"], source | {"LIANGSHAN_SECRET_KEY": SIGNING_KEY})
    assert json.loads(made.stdout)["signed"] is True and "未签名" not in made.stderr
    manifest = json.loads(_members(signed)["manifest.json"])
    assert manifest["signature"]["alg"] == "HMAC-SHA256" and len(manifest["signature"]["mac"]) == 64
    assert all(SIGNING_KEY.encode() not in data for data in _members(signed).values())
    assert SIGNING_KEY not in made.output

    unsigned_made = _ok(["backup", "--out", str(tmp_path / "plain.tar.gz")], source)
    assert "备份未签名" in unsigned_made.stderr  # said where the office will see it

    def restore_into(archive: Path, key: str | None, *args: str, code: int = 0) -> Any:
        name = uuid.uuid4().hex[:6]
        env = _env(f"sqlite:///{tmp_path / f'target-{name}.db'}", tmp_path / f"target-home-{name}")
        result = _ok(["restore", str(archive), *args], env | ({"LIANGSHAN_SECRET_KEY": key} if key else {}), code=code)
        if code:
            assert "未写入任何内容" in result.stderr and not (tmp_path / f"target-{name}.db").exists()
            assert not (tmp_path / f"target-home-{name}").exists()
        return result

    assert "签名核对无误" in restore_into(signed, SIGNING_KEY).stdout
    assert "备份文件已签名" in restore_into(signed, None, code=2).stderr
    assert "签名不符" in restore_into(signed, "another-key-of-the-right-length-0123456789abcdef", code=2).stderr
    forged = tmp_path / "forged.tar.gz"
    _rewrite(signed, forged, _resigned_member("tables/extensions.jsonl"))
    assert "签名不符" in restore_into(forged, SIGNING_KEY, code=2).stderr
    # The forgery is otherwise sound: without its signature it would restore, and the record would say what
    # the forger wrote. Only the signature stops it.
    unsigned_forgery = tmp_path / "unsigned-forgery.tar.gz"
    _rewrite(forged, unsigned_forgery, lambda items: _set_manifest(items, lambda m: m.pop("signature")))
    assert "备份未签名" in restore_into(unsigned_forgery, None).stdout
    stripped = tmp_path / "stripped.tar.gz"
    _rewrite(signed, stripped, lambda items: _set_manifest(items, lambda m: m.pop("signature")))
    assert "没有签名" in restore_into(stripped, SIGNING_KEY, code=2).stderr
    assert "备份未签名" in restore_into(stripped, SIGNING_KEY, "--unsigned").stdout


@pytest.mark.parametrize("signature", ["not-a-signature", {"alg": "MD5", "mac": "0" * 64}, {"alg": "HMAC-SHA256", "mac": "XYZ"},
                                       {"alg": "HMAC-SHA256"}], ids=["string", "other-alg", "bad-hex", "no-mac"])
def test_a_malformed_signature_is_refused(sample: Path, tmp_path: Path, signature: Any) -> None:
    """A signature field that is not an HMAC-SHA256 of 64 hex digits is refused before anything is written."""
    odd = tmp_path / "odd-signature.tar.gz"
    _rewrite(sample, odd, lambda items: _set_manifest(items, lambda m: m.update(signature=signature)))
    assert "清单中的签名无效" in _refused(odd, tmp_path)
