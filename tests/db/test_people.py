"""The contact list on both databases: import all rows or none, idempotent, updates that say what changed,
masked mobiles, removal, the backup, and the store's private modes."""

from __future__ import annotations

import json
import stat
import tarfile
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cli.main import app
from db.models import AuditEntry, PersonRow
from tests.db.conftest import Database
from tests.people.sheets import HEADER, write_csv, write_xlsx

runner = CliRunner()

ROWS = [
    HEADER,
    ["eco", "张三", "经办人", "zhangsan", "13812345678", "zs@example.gov.cn"],
    ["区水务局", "李四", "分管领导", "", "139-1234-5678", ""],
    ["office", "王五", "办公室", "wangwu", "", ""],
]


def _cli(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def _count(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(PersonRow)) or 0


def test_import_twice_changes_nothing_and_a_changed_file_says_what_changed(database: Database, tmp_path: Path) -> None:
    """Columns in any order, a bureau by id or by name; the second import adds nothing; a change is named."""
    shuffled = [[row[i] for i in (1, 0, 5, 2, 4, 3)] for row in ROWS]
    first = _cli(database, "people", "import", str(write_xlsx(tmp_path / "people.xlsx", shuffled)))
    assert first.exit_code == 0, first.output
    assert "新增 3 人" in first.stdout
    again = _cli(database, "people", "import", str(write_xlsx(tmp_path / "people.xlsx", shuffled)))
    assert "新增 0 人，更新 0 人，未变 3 人" in again.stdout
    with database.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "people_import"))
    assert entries == 1
    changed = [row[:] for row in ROWS]
    changed[1][4] = "13900000000"
    changed[2][2] = "主要负责人"
    done = _cli(database, "people", "import", str(write_csv(tmp_path / "people.csv", changed)))
    assert done.exit_code == 0, done.output
    assert "更新 2 人" in done.stdout and "张三（市生态环境局鄠邑分局）：手机" in done.stdout
    assert "李四（区水务局）：角色" in done.stdout
    listed = json.loads(_cli(database, "people", "list", "--json").stdout)
    assert [(p["name"], p["role"], p["mobile"]) for p in listed if p["bureau"] == "eco"] == [("张三", "经办人", "139****0000")]
    assert set(listed[0]) >= {"id", "bureau", "name", "role", "wecom_userid", "mobile", "email"}


def test_every_problem_names_its_row_and_column_and_nothing_is_written(database: Database, tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["eco", "张三", "经办人", "zhangsan", "13812345678", ""],
        ["区水物局", "李四", "经办人", "", "", ""],
        ["eco", "", "经办人", "", "", ""],
        ["water", "赵六", "经办人", "zhangsan", "1381234", "not-an-email"],
        ["water", "钱七", "科员", "", "", ""],
        ["water", '=HYPERLINK("http://evil.example","孙八")', "经办人", "", "", ""],
    ]
    result = _cli(database, "people", "import", str(write_xlsx(tmp_path / "bad.xlsx", rows)))
    assert result.exit_code == 2
    said = result.output
    assert "第 3 行“单位”列：未知的单位“区水物局”；最接近的：区水务局" in said
    assert "第 4 行“姓名”列：姓名为空" in said
    assert "第 5 行“企业微信账号”列：企业微信账号“zhangsan”与第 2 行重复" in said
    assert "第 5 行“手机”列" in said and "第 5 行“邮箱”列" in said
    assert "第 6 行“角色”列" in said
    assert "第 7 行“姓名”列" in said and "公式" in said
    assert "未导入任何内容" in said and _count(database) == 0


def test_a_userid_held_by_someone_the_file_leaves_out_is_refused(database: Database, tmp_path: Path) -> None:
    assert _cli(database, "people", "import", str(write_csv(tmp_path / "a.csv", ROWS))).exit_code == 0
    other = [HEADER, ["water", "赵六", "经办人", "ZhangSan", "", ""]]
    result = _cli(database, "people", "import", str(write_csv(tmp_path / "b.csv", other)))
    assert result.exit_code == 2 and "已登记给 张三（eco" in result.output and _count(database) == 3
    swapped = [row[:] for row in ROWS]
    swapped[1][3], swapped[3][3] = "wangwu", "zhangsan"  # two people of the file may swap their userids
    assert _cli(database, "people", "import", str(write_csv(tmp_path / "c.csv", swapped))).exit_code == 0
    listed = {p["name"]: p["wecom_userid"] for p in json.loads(_cli(database, "people", "list", "--json").stdout)}
    assert listed["张三"] == "wangwu" and listed["王五"] == "zhangsan"


def test_hostile_files_exit_2_and_write_nothing(database: Database, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("单位,姓名,角色\n", encoding="utf-8")
    gbk = write_csv(tmp_path / "gbk.csv", ROWS, encoding="gbk")
    many = write_csv(tmp_path / "many.csv", [HEADER] + [["eco", f"人{i}", "经办人"] for i in range(100_000)])
    for path, said in ((fake, "不是 Excel 工作簿"), (gbk, "GBK"), (many, "超过 5000 行")):
        result = _cli(database, "people", "import", str(path))
        assert result.exit_code == 2 and said in result.output and "未导入任何内容" in result.output
    assert _cli(database, "people", "import", str(tmp_path / "missing.csv")).exit_code == 2
    assert _count(database) == 0


def test_list_masks_mobiles_filters_by_bureau_and_remove_takes_one(database: Database, tmp_path: Path) -> None:
    assert _cli(database, "people", "import", str(write_csv(tmp_path / "a.csv", ROWS))).exit_code == 0
    table = _cli(database, "people", "list")
    assert "138****5678" in table.stdout and "13812345678" not in table.stdout
    eco = json.loads(_cli(database, "people", "list", "--bureau", "eco", "--json").stdout)
    assert [p["name"] for p in eco] == ["张三"]
    assert _cli(database, "people", "list", "--bureau", "nope").exit_code == 2
    removed = _cli(database, "people", "remove", str(eco[0]["id"]))
    assert removed.exit_code == 0 and "已删除 张三" in removed.stdout and _count(database) == 2
    assert _cli(database, "people", "remove", "999").exit_code == 2 and _count(database) == 2


def test_people_are_in_the_backup(database: Database, tmp_path: Path) -> None:
    assert _cli(database, "people", "import", str(write_csv(tmp_path / "a.csv", ROWS))).exit_code == 0
    archive = tmp_path / "b.tar.gz"
    done = runner.invoke(app, ["backup", "--out", str(archive)], env={**database.env(), "LIANGSHAN_SECRET_KEY": "k" * 40})
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        member = tar.extractfile("tables/people.jsonl")
        assert member is not None
        names = [json.loads(line)["name"] for line in member.read().decode().splitlines()]
    assert names == ["张三", "李四", "王五"]


def test_a_new_home_is_private_and_an_open_one_is_reported(tmp_path: Path) -> None:
    """SQLite: home 0700, the database 0600, the reports folder 0700; an existing 0755 home is named with the fix."""
    home = tmp_path / "home"
    result = runner.invoke(app, ["init"], env={"LIANGSHAN_HOME": str(home), "LIANGSHAN_DB_URL": ""})
    assert result.exit_code == 0, result.output
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (home, home / "liangshan.db", home / "reports")}
    assert modes == {"home": 0o700, "liangshan.db": 0o600, "reports": 0o700}
    home.chmod(0o755)
    again = runner.invoke(app, ["init"], env={"LIANGSHAN_HOME": str(home), "LIANGSHAN_DB_URL": ""})
    assert again.exit_code == 0 and "权限为 0755" in again.output and f"chmod 700 {home}" in again.output


def test_cli_personal_link_and_revoke(database: Database, tmp_path: Path) -> None:
    """`link --person ID` prints one URL; `link revoke --person ID` ends that person's links only; unknown ids exit 2."""
    from datetime import UTC, datetime

    from core.links import verify

    assert _cli(database, "people", "import", str(write_csv(tmp_path / "a.csv", ROWS))).exit_code == 0
    ids = {p["name"]: p["id"] for p in json.loads(_cli(database, "people", "list", "--json").stdout)}
    env = {**database.env(), "LIANGSHAN_PORTAL_URL": "http://127.0.0.1:8700", "LIANGSHAN_SECRET_KEY": "k" * 40}
    made = runner.invoke(app, ["link", "--person", str(ids["张三"]), "--days", "7", "--json"], env=env)
    assert made.exit_code == 0, made.output
    grant = verify("k" * 40, json.loads(made.stdout)["url"].rsplit("/", 1)[1], datetime.now(UTC))
    assert (grant.bureau, grant.person, grant.person_generation) == ("eco", ids["张三"], 0)
    office = runner.invoke(app, ["link", "--person", str(ids["王五"]), "--json"], env=env)
    assert json.loads(office.stdout)["url"] and verify("k" * 40, json.loads(office.stdout)["url"].rsplit("/", 1)[1],
                                                       datetime.now(UTC)).bureau == "office"
    revoked = runner.invoke(app, ["link", "revoke", "--person", str(ids["张三"])], env=env)
    assert revoked.exit_code == 0 and "其他人和单位链接不受影响" in revoked.stdout
    with database.sessions() as session:
        generations = {r.name: r.link_generation for r in session.scalars(select(PersonRow))}
    assert generations == {"张三": 1, "李四": 0, "王五": 0}
    assert runner.invoke(app, ["link", "--person", "999"], env=env).exit_code == 2
    assert runner.invoke(app, ["link", "eco", "--person", "1"], env=env).exit_code == 2
