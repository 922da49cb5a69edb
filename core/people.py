"""The contact list's rules: what a row of the office's spreadsheet must say, and what an import changes.

Pure: the rows come in as text with their row numbers, the bureaus and the people already known as
parameters; problems name the row and the column as the office sees them in Excel.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

__all__ = ["COLUMNS", "FIELD_ZH", "ROLES", "Person", "RowProblem", "mask_mobile", "parse_people", "person_label"]

ROLES = ("经办人", "分管领导", "主要负责人", "办公室")
# Column title -> field; 单位, 姓名 and 角色 are required, the rest may be left out or empty.
COLUMNS = {"单位": "bureau", "姓名": "name", "角色": "role", "企业微信账号": "wecom_userid", "手机": "mobile", "邮箱": "email"}
REQUIRED = ("单位", "姓名", "角色")
FIELD_ZH = {v: k for k, v in COLUMNS.items()}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")  # WeCom: letters, digits, _ - . @, at most 64
_FORMULA = ("=", "+", "-", "@")


@dataclass(frozen=True, slots=True)
class Person:
    """One person of a bureau as the contact list says; ``mobile`` is eleven digits or empty."""

    bureau: str
    name: str
    role: str
    wecom_userid: str = ""
    mobile: str = ""
    email: str = ""

    def changes(self, other: Person) -> list[str]:
        """The fields (names) in which ``other`` differs from this person."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong in one cell (or row, when ``column`` is empty) of the file."""

    row: int
    column: str
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.zh} / row {self.row}{' column ' + self.column if self.column else ''}: {self.en}"


def mask_mobile(mobile: str) -> str:
    """138****5678: what everyone but the office's own people page sees of a mobile number."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else ("****" if mobile else "")


def person_label(name: str, bureau_name: str, role: str) -> str:
    """张三（市生态环境局鄠邑分局·经办人）: how the history names a person."""
    return f"{name}（{bureau_name}·{role}）"


def _mobile(text: str) -> str | None:
    digits = re.sub(r"[\s-]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if _MOBILE.match(digits) else None


def parse_people(header: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]], bureaus: Mapping[str, str],
                 header_row: int = 1) -> tuple[list[Person], list[RowProblem]]:
    """The people the rows name, and every problem found (all of them, not the first only).

    ``bureaus`` maps each bureau id to its Chinese name; a row may give either.
    """
    problems: list[RowProblem] = []
    index: dict[str, int] = {}
    for position, title in enumerate(header):
        title = title.strip()
        if not title:
            continue
        if title not in COLUMNS:
            near = difflib.get_close_matches(title, list(COLUMNS), n=2, cutoff=0.3)
            hint = f"；是否想写：{'、'.join(near)}" if near else ""
            problems.append(RowProblem(header_row, title, f"未知的列名“{title}”{hint}（可用：{'、'.join(COLUMNS)}）",
                                       f"unknown column {title!r}"))
        elif title in index:
            problems.append(RowProblem(header_row, title, "列名重复", "the column appears twice"))
        else:
            index[title] = position
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        problems.append(RowProblem(header_row, "", f"缺少必填列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}"))
    if problems:
        return [], problems
    by_name = {name: bid for bid, name in bureaus.items()}
    people: list[Person] = []
    seen_names: dict[tuple[str, str], int] = {}
    seen_userids: dict[str, int] = {}
    for number, cells in rows:
        def cell(title: str, cells: Sequence[str] = cells) -> str:
            at = index.get(title)
            return cells[at].strip() if at is not None and at < len(cells) else ""

        values = {title: cell(title) for title in index}
        bad = False
        for title, value in values.items():
            if value.startswith(_FORMULA) and title != "手机":
                problems.append(RowProblem(number, title, f"单元格以“{value[0]}”开头，像是公式（不会被计算）：{value[:60]}",
                                           "the cell looks like a formula; formulas are not evaluated: type the text"))
                bad = True
        raw_bureau = values["单位"]
        bureau = raw_bureau if raw_bureau in bureaus else by_name.get(raw_bureau, "")
        if not raw_bureau:
            problems.append(RowProblem(number, "单位", "单位为空", "the bureau is empty"))
        elif not bureau and not bad:
            near = difflib.get_close_matches(raw_bureau, list(by_name) + list(bureaus), n=3, cutoff=0.3)
            hint = f"；最接近的：{'、'.join(near)}" if near else ""
            problems.append(RowProblem(number, "单位", f"未知的单位“{raw_bureau}”{hint}", f"unknown bureau {raw_bureau!r}"))
        name = values["姓名"]
        if not name:
            problems.append(RowProblem(number, "姓名", "姓名为空", "the name is empty"))
        elif len(name) > 50:
            problems.append(RowProblem(number, "姓名", "姓名超过 50 个字符", "the name is longer than 50 characters"))
        role = values["角色"]
        if role not in ROLES:
            problems.append(RowProblem(number, "角色", f"角色“{role}”应为：{'、'.join(ROLES)}", f"the role must be one of {ROLES}"))
        userid = values.get("企业微信账号", "")
        if userid and not bad:
            if not _USERID.match(userid):
                problems.append(RowProblem(number, "企业微信账号",
                                           f"企业微信账号“{userid}”只能含字母、数字和 _ - . @，最长 64 个字符",
                                           "a WeCom userid holds letters, digits, _ - . @ only"))
            elif userid.lower() in seen_userids:
                problems.append(RowProblem(number, "企业微信账号",
                                           f"企业微信账号“{userid}”与第 {seen_userids[userid.lower()]} 行重复",
                                           f"duplicate userid (row {seen_userids[userid.lower()]})"))
            else:
                seen_userids[userid.lower()] = number
        raw_mobile = values.get("手机", "")
        mobile = _mobile(raw_mobile) if raw_mobile else ""
        if mobile is None:
            problems.append(RowProblem(number, "手机", f"手机号“{raw_mobile[:20]}”应为 11 位数字（如 13812345678）",
                                       "a mobile number is 11 digits"))
        email = values.get("邮箱", "")
        if email and not bad and not _EMAIL.match(email):
            problems.append(RowProblem(number, "邮箱", f"邮箱“{email[:60]}”格式不对（如 zhangsan@example.gov.cn）",
                                       "malformed e-mail address"))
        if bureau and name:
            if (bureau, name) in seen_names:
                problems.append(RowProblem(number, "姓名", f"同一单位的“{name}”与第 {seen_names[(bureau, name)]} 行重复",
                                           f"the same person appears twice (row {seen_names[(bureau, name)]})"))
            seen_names[(bureau, name)] = number
        people.append(Person(bureau, name, role, userid, mobile or "", email))
    return ([], problems) if problems else (people, [])
