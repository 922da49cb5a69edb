"""core.uploads: which names and first bytes the portal accepts."""

from __future__ import annotations

import pytest

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.collect import case_problems
from core.uploads import UploadRefused, check_upload_head, check_upload_name


@pytest.mark.parametrize("name", ["工作方案.pdf", "表1.xlsx", "a.DOCX", "photo.JPG", "数据.csv", "说明.txt", "材料.ofd",
                                  "报表.et", "文档.wps", "包.zip", "x" * 196 + ".pdf", "报告..终稿.pdf", "a..pdf",
                                  "CONTRACT.pdf", "com10.pdf", "console.docx"])
def test_accepted_names(name: str) -> None:
    assert check_upload_name(name) == name


@pytest.mark.parametrize(("name", "words"), [
    ("", "为空"), ("   ", "为空"), ("../a.pdf", "路径"), ("a/b.pdf", "路径"), ("a\\b.pdf", "路径"), ("..", "路径"),
    ("a\x00.pdf", "控制字符"), ("a\nb.pdf", "控制字符"), ("a\x7f.pdf", "控制字符"), ("x" * 201 + ".pdf", "超过"),
    ("报告\u202efdp.exe", "格式字符"), ("报告\u202efdp.pdf", "U+202E"), ("a\u200b.pdf", "U+200B"), ("\ufeffa.pdf", "U+FEFF"),
    ("a\u2066b.pdf", "格式字符"), ("a\u00adb.pdf", "格式字符"), ("a\u2028b.pdf", "控制字符"),
    ("CON.pdf", "设备名"), ("con.pdf", "设备名"), ("NUL .txt", "设备名"), ("lpt1.docx", "设备名"), ("COM9.tar.zip", "设备名"),
    ("aux.pdf", "设备名"), (".pdf", "只有扩展名"), ("...pdf", "只有扩展名"), (" .pdf", "只有扩展名"),
    ("run.exe", "不接受"), ("page.html", "不接受"), ("noextension", "不接受"), ("a.svg", "不接受"),
])
def test_refused_names(name: str, words: str) -> None:
    with pytest.raises(UploadRefused) as info:
        check_upload_name(name)
    assert words in str(info.value)
    assert "\x00" not in str(info.value) and "\n" not in str(info.value).split(" / ")[0]
    assert "\u202e" not in str(info.value)  # a format character is named and escaped, never echoed raw


@pytest.mark.parametrize(("title", "ok"), [("秦岭保护案例", True), ("案例\u202e题标", False), ("零\u200b宽", False),
                                           ("换\n行", False), ("A-B（2024）", True)])
def test_case_titles_with_hidden_characters_are_refused(title: str, ok: bool) -> None:
    problems = case_problems(load_plan(DEFAULT_PLAN), "1", "ndrc", title, 2025)
    assert (not problems) == ok
    if not ok:
        assert problems[0].field == "title" and "格式字符" in problems[0].zh


@pytest.mark.parametrize(("name", "head", "ok"), [
    ("a.pdf", b"%PDF-1.7", True), ("a.pdf", b"<html>", False),
    ("a.png", b"\x89PNG\r\n\x1a\n", True), ("a.png", b"GIF89a", False),
    ("a.jpg", b"\xff\xd8\xff\xe0", True), ("a.jpeg", b"\xff\xd8\xff\xe1", True), ("a.jpg", b"\x89PNG", False),
    ("a.docx", b"PK\x03\x04", True), ("a.xlsx", b"PK\x03\x04", True), ("a.ofd", b"PK\x03\x04", True),
    ("a.zip", b"PK\x03\x04", True), ("a.docx", b"\xd0\xcf\x11\xe0", False),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1", True), ("a.xls", b"\xd0\xcf\x11\xe0", True), ("a.wps", b"\xd0\xcf\x11\xe0", True),
    ("a.et", b"\xd0\xcf\x11\xe0", True), ("a.doc", b"PK\x03\x04", False),
    ("a.txt", b"anything", True), ("a.csv", b"a,b", True),
    ("a.txt", b"", False), ("a.pdf", b"", False),
])
def test_head(name: str, head: bytes, ok: bool) -> None:
    if ok:
        check_upload_head(name, head)
    else:
        with pytest.raises(UploadRefused):
            check_upload_head(name, head)
