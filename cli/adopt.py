"""``liangshan adopt``: start tracking a plan that began before liangshan did (中途接入).

``adopt --as-of DATE --out history.yaml`` writes an events file for the office to fill in: every
deliverable of a check-in step, every indicator value, one typical case per theme and year, and
every meeting's minutes that the plan makes due before DATE, each row suggesting its due day as
``at`` and its lead bureau as ``by``, with comments (Chinese first) saying what to correct. Filled
in, ``liangshan import history.yaml`` records it, all or nothing.

Where the tracking start lives: in the plan file, as ``tracking: {since: DATE}``, not in the
database. ``adopt`` writes nothing but the template and tells the office to add that line. An
office expects a setting that changes what its leaders are told to be where its other settings
are (the ladder, the due-soon days): in the plan file it reviews and keeps in version control,
the same on every machine and worker that reads the plan, and recorded as a new plan version
by ``liangshan init``. A value hidden in one database would differ
between the example home and the real one, and no file would show it. It also keeps ``adopt`` a
command that needs no database: the template can be written and filled before ``init``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import fail, load_plan_or_exit, out
from cli.context import Context
from core.plan import Phase, Plan, Step
from core.workdays import WorkdayCalendar

__all__ = ["adopt", "history_template", "suggested_moments"]

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]

_HEADER = """\
# 中途接入：{title}
# 截至 {as_of}（不含）按计划应已完成的事项，待办公室核实填写后导入。由 liangshan adopt --as-of {as_of} 生成。
#
# 怎样填写：
#   1. at 是计划的截止日（建议值）：改为实际发生的日期（报送、审核、录入数值、报送案例的日期），
#      写成 2024-04-18 或 "2024-04-18T10:30"（北京时间）。同一天到期、前后衔接的步骤，建议时间按先后错开半小时；
#      改动时保持先后：一个步骤的报送不能早于它等待的步骤完成（需审核的，审核通过）。
#   2. by 是牵头单位：实际由其他单位报送的，改为该单位 id（每行上方的注释列出了全部责任单位）。
#   3. 没有发生的事项（未报送的成果、未召开的会议、未收集的数值或案例）整行删除：看板将显示为逾期。
#   4. value: null（指标数值）、title: null（案例标题）和 text: null（工作进展）必须填写，否则导入被拒绝并指出所在行。
#   5. 需审核的成果另有一行 type: review（decision: accept）；曾被退回的，改为 decision: return 并写 reason，
#      再加一行重新报送的 checkin。审核日期不能早于报送日期。
#   6. 填好后导入（全部成功或全部不写入）：liangshan import {out}
#   7. 在计划文件中加上一行 tracking: {{since: {as_of}}}：此日之前的事项不再发送提醒和督办，看板照常显示。
#
# How to fill in: `at` is the plan's due day, a suggestion: write the real day. `by` is the lead bureau:
# write the one that really handed in (the comment above each row lists them all). Delete every row that
# did not happen (the board will show it overdue). Fill every `value: null` and `title: null`: import
# refuses them, naming the line. Then `liangshan import {out}`, and add `tracking: {{since: {as_of}}}` to the
# plan file so that nothing dated before {as_of} is announced.
"""


def _flow(row: Mapping[str, Any]) -> str:
    """One event as a YAML flow mapping, keys in the order given."""
    import yaml

    text: str = yaml.safe_dump(dict(row), default_flow_style=True, allow_unicode=True, sort_keys=False, width=100_000)
    return text.strip()


def _owners(plan: Plan, owners: tuple[str, ...]) -> str:
    """The bureaus as the office reads them: name (id), the lead first."""
    lead = "，牵头" if len(owners) > 1 else ""
    return "、".join(f"{plan.bureau_name(b)}（{b}{lead if i == 0 else ''}）" for i, b in enumerate(owners))


# A bare date in an events file is read as its noon (config.events.parse_moment); the office reviews at 17:00.
_NOON, _REVIEW = time(12, 0), time(17, 0)
_GAP = timedelta(minutes=30)


def suggested_moments(plan: Plan, due: Mapping[str, date], as_of: date) -> dict[str, tuple[datetime, datetime | None]]:
    """Each listed step's suggested check-in moment and, for a reviewed step, its review moment.

    A step is suggested on its due day, but never before everything it waits on is done by the earlier
    suggestions: several steps of a chain that fall due on one day are suggested one after another on
    that day (half an hour apart), so the template as written is a history ``liangshan import`` accepts.
    Collected steps (indicators, cases) are done at their due day's noon, as their rows suggest.
    """
    done: dict[str, datetime] = {}
    moments: dict[str, tuple[datetime, datetime | None]] = {}

    def finish(sid: str) -> datetime:
        if sid in done:
            return done[sid]
        step = plan.steps[sid]
        moment = datetime.combine(due[sid], _NOON)
        waits = [finish(p) for p in step.depends_on if p in plan.steps and due[p] < as_of]
        if step.collect == "checkin":
            checkin = max([moment, *(w + _GAP for w in waits)])
            review = max(datetime.combine(checkin.date(), _REVIEW), checkin + _GAP) if step.review else None
            moments[sid] = (checkin, review)
            moment = review or checkin
        done[sid] = moment
        return moment

    for sid in plan.steps:
        if due[sid] < as_of:
            finish(sid)
    return moments


def _at(moment: datetime) -> date | str:
    """A moment as the template writes it: a bare date when it is that day's noon (how a date is read)."""
    return moment.date() if moment.time() == _NOON else moment.strftime("%Y-%m-%dT%H:%M")


def _checkin_rows(plan: Plan, step: Step, due: date, moments: tuple[datetime, datetime | None]) -> list[str]:
    lines = [f"  # {step.id} {step.title}：截止 {due}；责任单位 {_owners(plan, step.owners)}"]
    checkin, review = moments
    for deliverable in step.deliverables:
        lines.append(f"  #   成果：{deliverable.title}")
        lines.append("  - " + _flow({"type": "checkin", "step": step.id, "deliverable": deliverable.id,
                                      "by": step.lead, "at": _at(checkin)}))
        if review is not None:
            lines.append("  #   办公室审核（通过的日期；退回见文件开头第5条）")
            lines.append("  - " + _flow({"type": "review", "step": step.id, "deliverable": deliverable.id,
                                          "by": "office", "decision": "accept", "at": _at(review)}))
    return lines


def _value_rows(plan: Plan, year: int, at: date, why: str) -> list[str]:
    lines = []
    for ind in plan.indicators:
        unit = f"单位 {ind.unit}" if ind.unit else "填 是 或 否（需证明材料）"
        lines.append(f"  # 指标 {ind.id} {ind.title}（{year}年，{why}）：{unit}；目标 {ind.target_text}；"
                     f"责任单位 {_owners(plan, ind.owners)}")
        lines.append("  - " + _flow({"type": "value", "indicator": ind.id, "year": year, "value": None,
                                      "by": ind.owners[0], "at": at}) + "  # ← 填写数值 / fill in the value")
    return lines


def _case_rows(plan: Plan, step: Step, due: date) -> list[str]:
    theme = next(t for t in plan.case_themes if t.id == step.theme)
    return [
        f"  # {step.id} 主题{theme.id} {theme.title}（{step.year}年，截止 {due}）；素材提供单位 {_owners(plan, theme.owners)}",
        "  #   当年有多个案例可复制此行，没有案例则删除",
        "  - " + _flow({"type": "case", "theme": theme.id, "year": step.year, "title": None, "by": step.lead, "at": due})
        + "  # ← 填写案例标题 / fill in the title",
    ]


def _group_rows(plan: Plan, group: Phase, due: Mapping[str, date], as_of: date, first_year: int,
                moments: Mapping[str, tuple[datetime, datetime | None]]) -> list[str]:
    steps = [plan.steps[sid] for sid in group.step_ids if due[sid] < as_of]
    if not steps:
        return []
    lines = ["", f"  # ===== {group.title}（{group.id}）====="]
    if any(s.collect == "indicators" for s in steps) and plan.indicators:
        lines += ["  # 基准值：基准年的数值用于“不减少”“稳定提高”的评价；没有的可删除。"]
        lines += _value_rows(plan, first_year - 1, min(p.window.start for p in plan.phases), "基准年")
    for step in steps:
        if step.collect == "checkin":
            lines += _checkin_rows(plan, step, due[step.id], moments[step.id])
        elif step.collect == "indicators" and step.year is not None:
            lines += [f"  # {step.id} {step.title}：截止 {due[step.id]}"]
            lines += _value_rows(plan, step.year, due[step.id], f"截止 {due[step.id]}")
        elif step.collect == "cases":
            lines += _case_rows(plan, step, due[step.id])
    return lines


def _progress_rows(plan: Plan, calendar: WorkdayCalendar, as_of: date) -> list[str]:
    """A row per progress report (进展报送) due before ``as_of``: by its bureau, at its due day, text to fill in."""
    from core.progress import owed_reports

    owed = [o for o in owed_reports(plan, calendar, (), as_of, {}) if o.due < as_of]
    if not owed:
        return []
    lines = ["", "  # ===== 进展报送（progress）=====",
             "  # 每行是一份应报的工作进展：填写 text（至少20字），未报送的整行删除（将显示为逾期未报）。"]
    for o in owed:
        lines.append(f"  # {o.step} {plan.steps[o.step].title}：{o.period.words}工作进展，截止 {o.due}；"
                     f"{plan.bureau_name(o.bureau)}")
        lines.append("  - " + _flow({"type": "progress", "step": o.step, "by": o.bureau, "period": o.period.id,
                                      "at": o.due, "text": None}) + "  # ← 填写进展 / fill in the text")
    return lines


def history_template(plan: Plan, due: Mapping[str, date], as_of: date, out_name: str,
                     calendar: WorkdayCalendar | None = None) -> tuple[str, dict[str, int]]:
    """The events file to fill in for a plan adopted on ``as_of``, and how many rows of each type it has.

    ``due`` is each step's due day as the engine reckons it (rolled to a working day); a step is listed
    when that day is before ``as_of``. With ``calendar``, the plan's progress reports due before
    ``as_of`` are listed too, one row each.
    """
    first_year = min(p.window.start.year for p in plan.phases)
    body: list[str] = []
    moments = suggested_moments(plan, due, as_of)
    for group in plan.groups:
        body += _group_rows(plan, group, due, as_of, first_year, moments)
    if calendar is not None:
        body += _progress_rows(plan, calendar, as_of)
    counts: dict[str, int] = {}
    for line in body:
        if line.startswith("  - {type: "):
            kind = line[len("  - {type: "):].split(",", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
    header = _HEADER.format(title=plan.title, as_of=as_of, out=out_name)
    if not body:
        return header + "events: []\n", counts
    footer = ["", "  # 尚未到期但已经完成的步骤，也可按上面的格式加在这里 / steps done early may be added here too."]
    return header + "events:\n" + "\n".join([*body, *footer]).lstrip("\n") + "\n", counts


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def adopt(
    as_of: Annotated[str, typer.Option("--as-of", help="开始跟踪的日期 YYYY-MM-DD / the day tracking starts.")],
    out_file: Annotated[Path, typer.Option("--out", help="写入的事件文件 / the events file to write.")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件 / overwrite an existing file.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """中途接入：写出此日之前应完成事项的事件文件，填写后用 liangshan import 导入 / write the history to fill in."""
    from core.status import Engine

    plan = load_plan_or_exit(plan_file)
    try:
        day = date.fromisoformat(as_of.strip())
    except ValueError:
        fail(f"--as-of “{as_of}” 不是日期，应写成 2026-12-01 / --as-of is not a date (YYYY-MM-DD)")
    first = min(g.window.start for g in plan.groups)
    last = max(g.window.due for g in plan.groups)
    if not first <= day <= last:
        fail(f"--as-of {day} 不在计划期内（{first} 至 {last}）/ {day} lies outside the plan ({first}..{last})")
    if out_file.exists() and not force:
        fail(f"{out_file} 已存在；要覆盖请加 --force / {out_file} exists: add --force to overwrite it")
    if not out_file.parent.is_dir():
        fail(f"目录 {out_file.parent} 不存在 / the folder {out_file.parent} does not exist")
    engine = Engine(plan, Context(plan_file).calendar)
    text, counts = history_template(plan, engine.due, day, out_file.name, engine.calendar)
    try:
        _write_atomically(out_file, text)
    except OSError as exc:
        fail(f"无法写入 {out_file}：{exc.strerror} / cannot write {out_file}")
    zh = {"checkin": "报送", "review": "审核", "value": "指标数值", "case": "案例", "progress": "进展报送"}
    summary = "，".join(f"{zh.get(k, k)} {n} 行" for k, n in counts.items()) or "没有到期事项"
    out.print(f"已写出 wrote {out_file}：{summary}", markup=False)
    out.print(f"下一步 next: 1) 按文件开头的说明核实日期、单位和数值，删除没有发生的行；2) liangshan import {out_file}；",
              markup=False)
    since = plan.settings.tracking_since
    if since == day:
        out.print(f"计划文件已有 tracking: {{since: {day}}}，此日之前的事项不会发送提醒 / the plan already tracks from {day}",
                  markup=False)
    else:
        now = f"（现在是 {since}）" if since else ""
        out.print(f"3) 在计划文件 {plan.source} 中加上 tracking: {{since: {day}}}{now}，再运行 liangshan init："
                  f"此日之前的事项不再发送提醒和督办 / add `tracking: {{since: {day}}}` to the plan file, then `liangshan init`",
                  markup=False)
