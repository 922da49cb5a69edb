"""Portable values: each column's value as JSON in the archive, and back, checked strictly on the way in."""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    TypeDecorator,
    null,
)

from db.backup.format import _bad

_SQL_NULL = "$sql_null"


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
