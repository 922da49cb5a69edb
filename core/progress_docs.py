"""进展报送 in the documents: the meeting pack's two sections, the ledger's 进展 sheet, the circular's rate.

Rules (the reports are core.progress's :func:`~core.progress.owed_reports` as of the documents' day):

* **各单位工作进展** (pack): the period of the pack's day; one row per step and bureau with its latest
  report, the rows that name a problem first, then those with none, then the bureaus that have not
  reported (owed or overdue). Within each, by step, then the step's owners in order (the lead first).
* **需协调解决的问题** (pack): every 存在问题 of those latest reports, by step, then bureau.
* **进展 sheet** (台账, core.ledger.progress_sheet): every owed report up to the day, by period then
  step and bureau, with its status, first received time, and the latest version's percent, text, problems and next steps.
* **各单位进展报送情况** (self-assessment draft): every report owed up to the day, how many came and how many
  on time, and the latest report of every step and bureau that sent one (newest period first), cited as written.
* **按时报送率** (circular): per bureau, reports received by their due day over reports already due
  (:func:`core.progress.on_time_rate`); "—" when none is due yet.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.documents import DocumentFacts
from core.outline import Block, Heading, Para, Table, day_zh, numbered
from core.periods import period_of
from core.progress import Owed, on_time_rate, owed_reports

__all__ = ["assessment_blocks", "doc_owed", "pack_blocks", "pack_markdown", "progress_rates"]


def doc_owed(doc: DocumentFacts) -> list[Owed]:
    """Every report owed as of the documents' day, with its status."""
    if doc.plan.progress is None:
        return []
    done_on = {sid: st.done_on for sid, st in doc.board.steps.items()}
    return owed_reports(doc.plan, doc.engine.calendar, doc.facts.progress, doc.as_of, done_on)


def pack_blocks(doc: DocumentFacts, first: int) -> list[Block]:
    """The pack's sections 各单位工作进展 and 需协调解决的问题, numbered from ``first``; none without a rule."""
    plan = doc.plan
    if plan.progress is None:
        return []
    period = period_of(doc.as_of, plan.progress.every)
    owed = [o for o in doc_owed(doc) if o.period == period]
    head = numbered(first, f"各单位工作进展（{period.words}）")
    if not owed:
        return [head, Para(f"{period.words}没有应报送的工作进展。")]
    got = [o for o in owed if o.latest is not None]
    got.sort(key=lambda o: (not (o.latest and o.latest.problems), o.step, plan.steps[o.step].owners.index(o.bureau)))
    missing = [o for o in owed if o.latest is None]
    blocks: list[Block] = [head, Para(f"{period.words}应报送工作进展{len(owed)}份，已报送{len(got)}份"
                                      f"（截止{day_zh(owed[0].due)}）。")]
    rows = []
    for o in got:
        r = o.latest
        assert r is not None
        rows.append((plan.bureau_name(o.bureau), plan.steps[o.step].title,
                     "" if r.percent is None else f"{r.percent}%", _short(r.text), r.problems or "无"))
    if rows:
        blocks.append(Table(("单位", "事项", "完成进度", "工作进展", "存在问题"), tuple(rows), (3.2, 3.4, 1.8, 5.0, 3.8)))
    if missing:
        names = "、".join(dict.fromkeys(plan.bureau_name(o.bureau) for o in missing))
        late = any(o.status == "overdue" for o in missing)
        blocks.append(Para(f"{'逾期' if late else '尚'}未报送的单位：{names}。"))
    blocks.append(numbered(first + 1, "需协调解决的问题"))
    problems = [o for o in got if o.latest and o.latest.problems]
    if problems:
        blocks.append(Table(("事项", "单位", "存在问题", "下步打算"),
                            tuple((plan.steps[o.step].title, plan.bureau_name(o.bureau), o.latest.problems,
                                   o.latest.next_steps or "")
                                  for o in sorted(problems, key=lambda o: (o.step, plan.steps[o.step].owners.index(o.bureau)))
                                  if o.latest is not None),
                            (3.6, 3.0, 5.4, 4.2)))
    else:
        blocks.append(Para("各单位本期报送中未提出需协调解决的问题。"))
    return blocks


def assessment_blocks(doc: DocumentFacts) -> list[Block]:
    """What the self-assessment draft cites of the progress reports (none without a rule or a report due)."""
    plan = doc.plan
    owed = [o for o in doc_owed(doc) if o.status != "owed"]  # due by the day: received, late or overdue
    if plan.progress is None or not owed:
        return []
    came = [o for o in owed if o.latest is not None]
    on_time = sum(o.status == "received" for o in owed)
    blocks: list[Block] = [Para(f"截至{day_zh(doc.as_of)}，各责任单位应报送工作进展{len(owed)}份，已报送{len(came)}份，"
                                f"其中按期报送{on_time}份（按时报送率{100 * on_time / len(owed):.1f}%）。"
                                + ("各单位最近一次报送的工作进展摘录如下（引自各单位进展报送）。" if came else ""))]
    latest: dict[tuple[str, str], Owed] = {}
    for o in sorted(came, key=lambda o: o.period.window.start):
        latest[(o.step, o.bureau)] = o  # a later period replaces an earlier one
    rows = []
    for (step, bureau), o in sorted(latest.items(), key=lambda kv: (kv[0][0], plan.steps[kv[0][0]].owners.index(kv[0][1]))):
        r = o.latest
        assert r is not None
        rows.append((plan.steps[step].title, plan.bureau_name(bureau), o.period.words,
                     "" if r.percent is None else f"{r.percent}%", _short(r.text), r.problems or "无"))
    if rows:
        blocks.append(Table(("事项", "单位", "报送周期", "完成进度", "工作进展", "存在问题"), tuple(rows),
                            (2.8, 2.6, 2.4, 1.6, 4.2, 3.0)))
    return blocks


def pack_markdown(doc: DocumentFacts, first: int) -> list[str]:
    """The same two sections as Markdown lines, for ``liangshan meeting pack``."""
    lines: list[str] = []
    for block in pack_blocks(doc, first):
        if isinstance(block, Heading):
            lines += [f"## {block.text}", ""]
        elif isinstance(block, Para):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines += ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
    return lines


def progress_rates(doc: DocumentFacts) -> Mapping[str, str]:
    """Per bureau id, its 按时报送率 of progress reports as the circular prints it ("—" when none is due)."""
    rates = on_time_rate(doc_owed(doc))
    return {b: f"{100 * on / due:.1f}%" for b, (on, due) in rates.items() if due}


def _md_cell(text: str) -> str:
    """A table cell's text that cannot break the Markdown table (a bar or a line break in a report)."""
    return text.replace("|", "｜").replace("\n", " ")


def _short(text: str, most: int = 120) -> str:
    return text if len(text) <= most else text[:most] + "…"
