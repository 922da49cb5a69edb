"""Checks on a file a bureau uploads, before anything is archived: its name and its first bytes.

Pure: the portal calls these with the name the browser sent and the first bytes of the spooled
part. A refused file means the whole request is refused and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from core.visible import hidden_character

__all__ = ["ALLOWED_EXTENSIONS", "HEAD_BYTES", "MAX_NAME_LENGTH", "UploadRefused", "check_file_name", "check_upload_head",
           "check_upload_name"]

MAX_NAME_LENGTH = 200
HEAD_BYTES = 8  # enough for every signature below

_OLE = b"\xd0\xcf\x11\xe0"  # the compound-file container of doc, xls and WPS/ET files
_ZIP = b"PK\x03\x04"  # docx, xlsx and OFD are zip containers

# Extension -> the signatures a real file of that type starts with (empty: the type has none to check).
_SIGNATURES: Mapping[str, tuple[bytes, ...]] = MappingProxyType({
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (_ZIP,),
    "xlsx": (_ZIP,),
    "ofd": (_ZIP,),
    "zip": (_ZIP,),
    "doc": (_OLE,),
    "xls": (_OLE,),
    "wps": (_OLE,),
    "et": (_OLE,),
    "txt": (),
    "csv": (),
})
ALLOWED_EXTENSIONS: tuple[str, ...] = tuple(_SIGNATURES)


class UploadRefused(ValueError):
    """An uploaded file the portal does not take; the message is Chinese first, English after a slash."""


# Names Windows keeps for devices, whatever the extension: a clerk who downloads "CON.pdf" cannot save it.
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in "123456789¹²³"),
                      *(f"LPT{n}" for n in "123456789¹²³")})


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def check_file_name(name: str) -> str:
    """A file's own name (portal upload or CLI evidence file), stripped, or :class:`UploadRefused`.

    Refused: an empty name, a name over 200 characters, a control or format character (U+202E and the rest
    of Unicode category Cf), a path separator or a name that is itself ``.`` or ``..`` (``报告..终稿.pdf`` is
    one name, not a path), a bare extension (``.pdf``), and a Windows device name (``CON.pdf``, ``lpt1.txt``).
    """
    shown = repr(name[:60])  # repr: a control or format character is shown escaped, never echoed raw
    if not name or not name.strip():
        raise UploadRefused("文件名为空 / the file has no name")
    if len(name) > MAX_NAME_LENGTH:
        raise UploadRefused(f"文件名超过 {MAX_NAME_LENGTH} 个字符 / the file name is longer than {MAX_NAME_LENGTH} characters")
    hidden = hidden_character(name)
    if hidden is not None:
        raise UploadRefused(f"文件名含有控制字符或不可见的格式字符（{hidden}）：{shown}，请重命名后再上传 / "
                            f"the file name contains a control or format character ({hidden})")
    name = name.strip()
    if "/" in name or "\\" in name or name in (".", ".."):
        raise UploadRefused(f"文件名不能含有路径（/、\\ 或 ..）：{shown} / the file name must not contain a path")
    if not name.rsplit(".", 1)[0].strip(" ."):
        raise UploadRefused(f"文件名只有扩展名：{shown}，请写明文件名 / the file name is only an extension")
    if name.split(".", 1)[0].strip().upper() in _DEVICES:
        raise UploadRefused(f"文件名 {shown} 是 Windows 的设备名，下载后无法保存，请重命名 / "
                            "the file name is a Windows device name")
    return name


def check_upload_name(name: str) -> str:
    """The file name as it will be archived, or :class:`UploadRefused` saying what is wrong with it.

    Refused: what :func:`check_file_name` refuses, and a type not on the allow-list (PDF, Word, Excel, WPS,
    OFD, pictures, text, CSV, zip).
    """
    name = check_file_name(name)
    shown = repr(name[:60])
    extension = _extension(name)
    if extension not in _SIGNATURES:
        allowed = "、".join(ALLOWED_EXTENSIONS)
        raise UploadRefused(f"不接受此类文件：{shown}；可上传 {allowed} / "
                            f"file type not accepted; allowed: {', '.join(ALLOWED_EXTENSIONS)}")
    return name


def check_upload_head(name: str, first_bytes: bytes) -> None:
    """Refuse an empty file, or one whose first bytes do not match its extension (a renamed file).

    Raises:
        UploadRefused: the file is empty, or not what its name says.
    """
    if not first_bytes:
        raise UploadRefused(f"文件为空：{name!r} / the file is empty")
    signatures = _SIGNATURES.get(_extension(name), ())
    if signatures and not any(first_bytes.startswith(sig) for sig in signatures):
        raise UploadRefused(f"文件内容与扩展名不符：{name!r} / the file's content does not match its extension")
