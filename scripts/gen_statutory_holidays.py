"""Regenerate core/statutory_cn.py from the `holidays` package (run after upgrading `holidays`).

The engine needs China's statutory holidays for years chinese_calendar does not cover yet. Asking
the `holidays` package at run time costs ~0.3 s of start-up per command (it builds its registry),
so the table is generated once here; tests/core/test_workdays.py checks it still matches the package.
"""

from __future__ import annotations

from pathlib import Path

import holidays

FIRST, LAST = 2027, 2040
TARGET = Path(__file__).resolve().parent.parent / "core" / "statutory_cn.py"


def main() -> None:
    lines = [
        '"""China\'s statutory holidays 2027-2040 as computed by the `holidays` package (generated file).',
        "",
        "Regenerate with ``python scripts/gen_statutory_holidays.py``; do not edit by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"FIRST_YEAR, LAST_YEAR = {FIRST}, {LAST}",
        "",
        "# year -> ((month, day, name), ...)",
        "STATUTORY: dict[int, tuple[tuple[int, int, str], ...]] = {",
    ]
    for year in range(FIRST, LAST + 1):
        days = sorted(holidays.country_holidays("CN", years=[year], language="zh_CN").items())
        items = ", ".join(f"({d.month}, {d.day}, {name!r})" for d, name in days if d.year == year)
        lines.append(f"    {year}: ({items},),")
    lines.append("}")
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
