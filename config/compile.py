"""Compile a plan file's data into a core Plan: the schema's shape, then the plan's own rules.

Every problem is collected with its line, column and field path; see :func:`compile_plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from pydantic import ValidationError

from config.errors import FileProblem, problem
from config.schema import LadderSpec, PlanFile, StepSpec, WindowRange
from config.schema_problems import closest, format_path, schema_problems
from config.yamlpos import Located
from core.frozen import FrozenMap
from core.periods import PeriodError, ReportPeriod, Window, parse_window
from core.plan import (
    RULE_KINDS,
    Assumption,
    Bureau,
    CaseTheme,
    Completion,
    Deliverable,
    Guarantee,
    Indicator,
    IndicatorRule,
    LadderSettings,
    Phase,
    Plan,
    PlanSettings,
    ProgressRule,
    Step,
)

__all__ = ["compile_plan"]

DataPath = tuple[str | int, ...]

@dataclass(frozen=True, slots=True)
class _Instance:
    """A step instance before its dependencies are resolved, with where it came from."""

    step: Step
    raw_depends: tuple[str, ...]
    spec_path: DataPath


def compile_plan(file: str, located: Located, content_hash: str) -> tuple[Plan | None, list[FileProblem]]:
    """Check the shape, then compile; the plan is None when any error was found."""
    try:
        spec = PlanFile.model_validate(located.data)
    except ValidationError as exc:
        return None, schema_problems(file, located, exc)
    compiler = _Compiler(file, located, spec, content_hash)
    plan = compiler.compile()
    problems = sorted(compiler.problems, key=lambda p: (p.line, p.column))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return plan, problems


class _Compiler:
    """Turns a shape-checked PlanFile into a Plan, collecting every problem on the way."""

    def __init__(self, file: str, located: Located, spec: PlanFile, content_hash: str) -> None:
        self.file = file
        self.located = located
        self.spec = spec
        self.content_hash = content_hash
        self.problems: list[FileProblem] = []
        self.bad_templates: set[tuple[DataPath, str]] = set()

    def _report(self, path: DataPath, zh: str, en: str, fix: str = "", severity: Literal["error", "warning"] = "error") -> None:
        pos = self.located.position(path)
        self.problems.append(problem(self.file, pos.line, pos.column, format_path(path), zh, en, fix, severity))

    def _window(self, raw: str | WindowRange, default_year: int | None, path: DataPath) -> Window | None:
        try:
            if isinstance(raw, WindowRange):
                start = raw.start if not isinstance(raw.start, str) else parse_window(raw.start, default_year).start
                due = raw.due if not isinstance(raw.due, str) else parse_window(raw.due, default_year).due
                return Window(start, due)
            return parse_window(raw, default_year)
        except PeriodError as exc:
            self._report(path, f"时间窗口无法使用：{exc}", "window cannot be used",
                         "按约定书写，如 2024年4月初-4月中旬 / write it as the convention says")
            return None

    def _check_owners(self, owners: Sequence[str], path: DataPath) -> None:
        for i, owner in enumerate(owners):
            if owner not in self.bureau_ids:
                self._report((*path, i), f"未知的责任单位“{owner}”", f"unknown bureau {owner!r}",
                             closest(owner, self.bureau_ids) or "在 bureaus 中添加该单位 / add it under bureaus")

    def _check_unique(self, ids: Iterable[tuple[str, DataPath]], what: str) -> None:
        what_zh, _, what_en = what.partition(" ")
        seen: dict[str, DataPath] = {}
        for ident, path in ids:
            if ident in seen:
                first = self.located.position(seen[ident])
                self._report(path, f"重复的{what_zh} id“{ident}”（第一次在第 {first.line} 行）",
                             f"duplicate {what_en} id {ident!r} (first at line {first.line})",
                             "每个 id 只能出现一次，请改名或删除 / give each its own id")
            else:
                seen[ident] = path

    def compile(self) -> Plan:
        spec = self.spec
        self.bureau_ids = {b.id for b in spec.bureaus}
        self._check_unique(((b.id, ("bureaus", i, "id")) for i, b in enumerate(spec.bureaus)), "责任单位 bureau")
        self._check_unique([*((p.id, ("phases", i, "id")) for i, p in enumerate(spec.phases)),
                            *((t.id, ("tracks", i, "id")) for i, t in enumerate(spec.tracks))], "阶段 phase")
        assumptions = [Assumption(f"settings.{k}", v) for k, v in spec.settings.assumptions.items()]
        # Collecting steps take their deliverables from the indicator table and the themes.
        indicators, more = self._indicators()
        assumptions += more
        self.indicators = indicators
        self.themes = {t.id: t for t in self._themes()}
        groups: dict[str, list[tuple[Phase, DataPath]]] = {"phases": [], "tracks": []}
        instances: list[_Instance] = []
        for key, specs in (("phases", spec.phases), ("tracks", spec.tracks)):
            for pi, phase_spec in enumerate(specs):
                path: DataPath = (key, pi)
                window = self._window(phase_spec.window, None, (*path, "window"))
                assumptions += [Assumption(f"{key}.{phase_spec.id}.{k}", v) for k, v in phase_spec.assumptions.items()]
                phase_instances: list[_Instance] = []
                for si, step_spec in enumerate(phase_spec.steps):
                    step_path: DataPath = (*path, "steps", si)
                    assumptions += [Assumption(f"steps.{step_spec.id}.{k}", v) for k, v in step_spec.assumptions.items()]
                    phase_instances += self._expand(phase_spec.id, window, step_spec, step_path)
                instances += phase_instances
                if window is not None:
                    ids = tuple(inst.step.id for inst in phase_instances)
                    groups[key].append((Phase(phase_spec.id, phase_spec.title, window, ids), path))
        self._check_unique(((inst.step.id, (*inst.spec_path, "id")) for inst in instances), "步骤 step")
        steps = self._resolve_dependencies(instances, {p.id: p for p, _ in groups["phases"] + groups["tracks"]})
        topo = self._topological_order(steps, {inst.step.id: inst.spec_path for inst in instances})
        self._check_due_order(steps, {inst.step.id: inst.spec_path for inst in instances})
        guarantees, more = self._guarantees()
        assumptions += more
        progress = None
        if spec.progress is not None:
            rule = spec.progress
            progress = ProgressRule(rule.every, rule.due_workdays_before_end, rule.min_window_days)
            assumptions += [Assumption(f"progress.{k}", v) for k, v in rule.assumptions.items()]
        return Plan(
            id=spec.plan.id,
            title=spec.plan.title,
            short_title=spec.plan.short_title or spec.plan.title,
            settings=PlanSettings(spec.settings.timezone, spec.settings.due_soon_workdays,
                                  spec.settings.roll_due_to_workday, _ladder(spec.settings.ladder),
                                  self._tracking_since(groups["phases"] + groups["tracks"]),
                                  office_contact=spec.settings.office_contact.strip(),
                                  ack_window_workdays=spec.settings.ack_window_workdays),
            bureaus=FrozenMap({b.id: Bureau(b.id, b.name) for b in spec.bureaus}),
            phases=tuple(p for p, _ in groups["phases"]),
            steps=FrozenMap(steps),
            indicators=indicators,
            case_themes=tuple(self.themes.values()),
            guarantees=guarantees,
            tracks=tuple(p for p, _ in groups["tracks"]),
            assumptions=tuple(assumptions),
            content_hash=self.content_hash,
            source=self.file,
            topo_order=topo,
            progress=progress,
        )

    def _tracking_since(self, groups: list[tuple[Phase, DataPath]]) -> date | None:
        """The tracking start, which must lie within the plan (its first day to its last due day)."""
        tracking = self.spec.tracking
        if tracking is None or not groups:
            return None if tracking is None else tracking.since
        first = min(p.window.start for p, _ in groups)
        last = max(p.window.due for p, _ in groups)
        if not first <= tracking.since <= last:
            self._report(("tracking", "since"), f"跟踪起始日 {tracking.since} 不在计划期内（{first} 至 {last}）",
                         f"tracking.since {tracking.since} lies outside the plan ({first}..{last})",
                         f"写 {first} 至 {last} 之间的日期，或删除 tracking / give a day within the plan, or remove tracking")
        return tracking.since

    def _expand(self, phase_id: str, phase_window: Window | None, spec: StepSpec, path: DataPath) -> list[_Instance]:
        """One instance for a plain step; one per year (half-year, quarter, month) for a recurring step."""
        # A track's recurring step may carry the track's own id: indicators -> indicators.2024.
        named_as_group = spec.id == phase_id and spec.repeat is not None and path[0] == "tracks"
        if not spec.id.startswith(phase_id + ".") and not named_as_group:
            self._report((*path, "id"), f"步骤 id“{spec.id}”应以所属阶段“{phase_id}.”开头",
                         f"step id {spec.id!r} must start with its phase {phase_id + '.'!r}",
                         f"改为 / rename to {phase_id}.{spec.id.split('.')[-1]}")
        owners, deliverables = self._owners_and_deliverables(spec, path)
        self._check_unique(((d.id, (*path, "deliverables", i, "id")) for i, d in enumerate(spec.deliverables)),
                           "成果 deliverable")
        periods = self._periods(spec, path)
        completion = self._completion(spec, path)
        out = []
        for year, period in periods:
            suffix = None if year is None else (period.id if period is not None else str(year))
            override = spec.instances.get(suffix) if suffix is not None else None
            raw_window = override.window if override and override.window is not None else spec.window
            window_path: DataPath = (*path, "window")
            if override and override.window and suffix is not None:
                window_path = (*path, "instances", suffix, "window")
            depends = override.depends_on if override and override.depends_on is not None else spec.depends_on
            fill = _Filler(year, period, self, path)
            if raw_window is None:
                window = phase_window
            else:
                default_year = year if year is not None else (phase_window.start.year if phase_window else None)
                # An unreadable window is reported; the phase's window stands in so that the
                # steps depending on this one are not reported as missing too.
                window = self._window(fill.window(raw_window), default_year, window_path) or phase_window
            if window is None:
                continue
            if phase_window is not None and not phase_window.contains(window):
                self._report(window_path, f"步骤窗口 {window} 超出所属阶段的窗口 {phase_window}",
                             f"step window {window} lies outside its phase {phase_window}",
                             "缩短步骤窗口或放宽阶段窗口 / narrow the step or widen the phase")
            step = Step(
                id=spec.id if suffix is None else f"{spec.id}.{suffix}",
                phase=phase_id,
                title=fill.text(spec.title),
                window=window,
                owners=owners,
                deliverables=tuple(replace(d, title=fill.text(d.title)) for d in deliverables),
                depends_on=(),
                review=spec.review,
                description=spec.description.strip(),
                series=spec.id if suffix is not None else None,
                year=year,
                quarter=period.n if period is not None and period.kind == "quarter" else None,
                month=period.n if period is not None and period.kind == "month" else None,
                half=period.n if period is not None and period.kind == "half" else None,
                collect=spec.collect,
                theme=spec.theme,
                pack=spec.pack,
                completion=completion,
            )
            out.append(_Instance(step, tuple(fill.text(d) for d in depends), path))
        return out

    def _completion(self, spec: StepSpec, path: DataPath) -> Completion:
        """The step's completion rule: stated, or 'lead' for a check-in step and 'any' for a collecting one."""
        if spec.collect != "checkin":
            if spec.completion not in (None, "any"):
                self._report((*path, "completion"), f"collect: {spec.collect} 的步骤由每项指标或主题的单位录入，只能是 any",
                             f"a collect: {spec.collect} step completes from its records: completion must be any",
                             "删除 completion / remove completion")
            return "any"
        return spec.completion or "lead"

    def _periods(self, spec: StepSpec, path: DataPath) -> list[tuple[int | None, ReportPeriod | None]]:
        """(year, period) of each instance: (None, None) for a plain step, (year, None) for a yearly one."""
        if spec.repeat is None:
            if spec.instances:
                self._report((*path, "instances"), "只有重复的步骤（repeat）才能写 instances",
                             "instances need repeat", "删除 instances 或添加 repeat / remove instances or add repeat")
            return [(None, None)]
        rep = spec.repeat
        years = range(rep.from_year, rep.to_year + 1)
        if not years:
            self._report((*path, "repeat"), "重复的起始年份晚于结束年份", "repeat runs from a later year to an earlier one",
                         "交换 from 与 to / swap from and to")
        periods: list[tuple[int | None, ReportPeriod | None]]
        if rep.every == "year":
            periods = [(y, None) for y in years]
            suffixes = {str(y) for y in years}
        else:
            first, last = {"quarter": (rep.from_quarter, rep.to_quarter), "month": (rep.from_month, rep.to_month),
                           "half": (rep.from_half, rep.to_half)}[rep.every]
            periods = [(y, p) for y in years for p in _year_periods(y, rep.every)
                       if (y, p.n) >= (rep.from_year, first) and (y, p.n) <= (rep.to_year, last)]
            suffixes = {p.id for _, p in periods if p is not None}
        for listed in spec.instances:
            if listed not in suffixes:
                self._report((*path, "instances", listed), f"{listed} 不在重复范围内", f"{listed} is outside repeat",
                             "删除该项或扩大 repeat / remove it or widen repeat")
        return periods

    def _owners_and_deliverables(self, spec: StepSpec, path: DataPath) -> tuple[tuple[str, ...], tuple[Deliverable, ...]]:
        """A check-in step's own; a collecting step's from the indicator table or its theme."""
        if spec.collect == "checkin":
            for key, given in (("owners", spec.owners), ("deliverables", spec.deliverables)):
                if not given:
                    self._report((*path, key), f"报送类步骤必须写 {key}", f"a check-in step needs {key}",
                                 "至少写一项 / give at least one")
            if spec.theme is not None:
                self._report((*path, "theme"), "只有 collect: cases 的步骤才能写 theme", "theme needs collect: cases",
                             "删除 theme 或写 collect: cases / remove theme or add collect: cases")
            self._check_owners(spec.owners, (*path, "owners"))
            return spec.owners, tuple(Deliverable(d.id, d.title) for d in spec.deliverables)
        if spec.repeat is None or spec.repeat.every != "year":
            # values and cases are recorded per year: each instance collects its own year
            self._report((*path, "repeat"), f"collect: {spec.collect} 的步骤必须按年重复",
                         f"a collect: {spec.collect} step must repeat every year",
                         "写 repeat: {every: year, from: 2024, to: 2028} / add a yearly repeat")
        for key, given in (("owners", spec.owners), ("deliverables", spec.deliverables)):
            if given:
                source = "指标表" if spec.collect == "indicators" else "案例主题"
                self._report((*path, key), f"collect: {spec.collect} 的步骤由{source}生成 {key}，不能另写",
                             f"a collect: {spec.collect} step derives its {key}",
                             f"删除 {key} / remove {key}")
        if spec.collect == "indicators":
            if spec.theme is not None:
                self._report((*path, "theme"), "只有 collect: cases 的步骤才能写 theme", "theme needs collect: cases",
                             "删除 theme / remove theme")
            if not self.indicators:
                self._report((*path, "collect"), "计划中没有指标（indicators），无法收集指标数值",
                             "collect: indicators needs an indicator table", "添加 indicators 或改为报送 / add indicators")
            owners = tuple(dict.fromkeys(o for ind in self.indicators for o in ind.owners))
            return owners, tuple(Deliverable(ind.id, f"{ind.id} {ind.title}", ind.owners) for ind in self.indicators)
        theme = self.themes.get(spec.theme or "")
        if theme is None:
            self._report((*path, "theme"), f"未知的案例主题“{spec.theme or ''}”", f"unknown case theme {spec.theme!r}",
                         closest(spec.theme or "", self.themes) or "写 case_themes 中的 id / name a theme of case_themes")
            return ("office",), (Deliverable("case", "典型案例"),)
        return theme.owners, (Deliverable("case", f"主题{theme.id}典型案例（至少1个）", theme.owners),)

    def _resolve_dependencies(self, instances: list[_Instance], phases: dict[str, Phase]) -> dict[str, Step]:
        known = {inst.step.id for inst in instances}
        series: dict[str, list[str]] = {}
        for inst in instances:
            if inst.step.series:
                series.setdefault(inst.step.series, []).append(inst.step.id)
        steps: dict[str, Step] = {}
        for inst in instances:
            resolved: list[str] = []
            for i, dep in enumerate(inst.raw_depends):
                if dep in known:
                    targets = [dep]
                elif dep in series:
                    targets = series[dep]
                elif dep in phases:
                    targets = [s for s in phases[dep].step_ids if s != inst.step.id]
                else:
                    self._report((*inst.spec_path, "depends_on", i), f"依赖的步骤“{dep}”不存在",
                                 f"depends on a missing step {dep!r}",
                                 closest(dep, known | set(series) | set(phases)) or
                                 "写已有的步骤、重复步骤或阶段 id / name an existing step, series or phase")
                    continue
                resolved += [t for t in targets if t not in resolved]
            steps[inst.step.id] = _replace_depends(inst.step, tuple(resolved))
        return steps

    def _topological_order(self, steps: dict[str, Step], paths: dict[str, DataPath]) -> tuple[str, ...]:
        """Plan order, upstream first; reports a cycle by naming its steps."""
        indegree = {sid: 0 for sid in steps}
        for step in steps.values():
            for dep in step.depends_on:
                if dep in steps:
                    indegree[step.id] += 1
        order: list[str] = []
        ready = [sid for sid in steps if indegree[sid] == 0]
        while ready:
            sid = ready.pop(0)
            order.append(sid)
            for down in steps:
                if sid in steps[down].depends_on:
                    indegree[down] -= 1
                    if indegree[down] == 0:
                        ready.append(down)
        if len(order) < len(steps):
            cycle = _find_cycle({sid: steps[sid].depends_on for sid in steps if sid not in order})
            chain = " → ".join([*cycle, cycle[0]])
            self._report((*paths[cycle[0]], "depends_on"), f"依赖关系成环：{chain}", f"dependency cycle: {chain}",
                         "删除环上的一条依赖 / remove one dependency of the cycle")
        return tuple(order)

    def _check_due_order(self, steps: dict[str, Step], paths: dict[str, DataPath]) -> None:
        for step in steps.values():
            for dep in step.depends_on:
                upstream = steps.get(dep)
                if upstream and step.window.due < upstream.window.due:
                    self._report((*paths[step.id], "depends_on"),
                                 f"步骤“{step.id}”截止于 {step.window.due}，早于其依赖的“{dep}”可能的截止日 {upstream.window.due}",
                                 f"{step.id} is due {step.window.due}, before its upstream {dep} can be due "
                                 f"({upstream.window.due})",
                                 "调整窗口，或确认上游会提前完成 / adjust the windows", severity="warning")

    def _indicators(self) -> tuple[tuple[Indicator, ...], list[Assumption]]:
        specs = self.spec.indicators
        self._check_unique(((s.id, ("indicators", i, "id")) for i, s in enumerate(specs)), "指标 indicator")
        out, assumptions = [], []
        for i, s in enumerate(specs):
            path: DataPath = ("indicators", i)
            self._check_owners(s.owners, (*path, "owners"))
            assumptions += [Assumption(f"indicators.{s.id}.{k}", v) for k, v in s.assumptions.items()]
            rule = s.rule
            if rule.kind not in RULE_KINDS:
                self._report((*path, "rule", "kind"), f"未知的指标规则“{rule.kind}”", f"unknown indicator rule {rule.kind!r}",
                             "可用 / known: " + ", ".join(RULE_KINDS))
                continue
            if rule.kind == "threshold" and (rule.op not in (">", ">=", "<", "<=", "==") or rule.value is None):
                self._report((*path, "rule"), "阈值规则需要 op（>、>=、<、<=、==）和 value",
                             "a threshold rule needs op and value", "如 / e.g. {kind: threshold, op: '>', value: 90}")
                continue
            out.append(Indicator(s.id, s.goal, s.area, s.title, s.target_text,
                                 IndicatorRule(rule.kind, rule.op, rule.value),  # type: ignore[arg-type]
                                 s.unit, s.owners))
        return tuple(out), assumptions

    def _themes(self) -> tuple[CaseTheme, ...]:
        specs = self.spec.case_themes
        self._check_unique(((s.id, ("case_themes", i, "id")) for i, s in enumerate(specs)), "案例主题 case theme")
        for i, s in enumerate(specs):
            self._check_owners(s.owners, ("case_themes", i, "owners"))
        return tuple(CaseTheme(s.id, s.title, s.text, s.owners) for s in specs)

    def _guarantees(self) -> tuple[tuple[Guarantee, ...], list[Assumption]]:
        specs = self.spec.guarantees
        self._check_unique(((s.id, ("guarantees", i, "id")) for i, s in enumerate(specs)), "保障措施 guarantee")
        assumptions = []
        for i, s in enumerate(specs):
            self._check_owners(s.owners, ("guarantees", i, "owners"))
            assumptions += [Assumption(f"guarantees.{s.id}.{k}", v) for k, v in s.assumptions.items()]
        return tuple(Guarantee(s.id, s.title, s.owners, s.text, s.cadence) for s in specs), assumptions


def _year_periods(year: int, every: str) -> list[ReportPeriod]:
    """The year's months, quarters or halves, in order."""
    count = {"quarter": 4, "month": 12, "half": 2}[every]
    return [ReportPeriod(year, every, n) for n in range(1, count + 1)]  # type: ignore[arg-type]


def _ladder(spec: LadderSpec) -> LadderSettings:
    return LadderSettings(tuple(sorted(set(spec.due_in), reverse=True)), spec.repeat_every, spec.escalate_after,
                          spec.received_lookback_days, spec.weekly_digest)


class _Filler:
    """Fills a recurring step's texts: {year}, {prev}, {next}; {quarter}, {quarter_zh} (2, 二);
    {month} (3); {half}, {half_zh} (2, 下)."""

    def __init__(self, year: int | None, period: ReportPeriod | None, compiler: _Compiler, path: DataPath) -> None:
        self.values: dict[str, int | str] = {} if year is None else {"year": year, "prev": year - 1, "next": year + 1}
        if period is not None and period.kind == "quarter":
            self.values.update(quarter=period.n, quarter_zh="一二三四"[period.n - 1])
        elif period is not None and period.kind == "month":
            self.values.update(month=period.n)
        elif period is not None:
            self.values.update(half=period.n, half_zh="上下"[period.n - 1])
        self.compiler = compiler
        self.path = path

    def text(self, template: str) -> str:
        if not self.values or "{" not in template:
            return template
        try:
            return template.format(**self.values)
        except (KeyError, IndexError, ValueError) as exc:
            if (self.path, template) in self.compiler.bad_templates:
                return template  # said once for the step, not once per instance
            self.compiler.bad_templates.add((self.path, template))
            known = "、".join("{" + k + "}" for k in self.values)
            self.compiler._report(self.path, f"无法替换占位符：{template}（此步骤可用 {known}）",
                                  f"bad placeholder {exc} in {template!r}",
                                  "只能用 {year}、{prev}、{next}；按季度重复另有 {quarter}、{quarter_zh}，"
                                  "按月 {month}，按半年 {half}、{half_zh} / use {year}, {prev}, {next}, "
                                  "and {quarter}/{quarter_zh}, {month} or {half}/{half_zh} as the repeat allows")
            return template

    def window(self, raw: str | WindowRange) -> str | WindowRange:
        if isinstance(raw, str):
            return self.text(raw)
        start = self.text(raw.start) if isinstance(raw.start, str) else raw.start
        due = self.text(raw.due) if isinstance(raw.due, str) else raw.due
        return WindowRange(start=start, due=due)


def _replace_depends(step: Step, depends_on: tuple[str, ...]) -> Step:
    return replace(step, depends_on=depends_on)


def _find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle among nodes that Kahn's algorithm could not order (each has an unordered upstream)."""
    start = next(iter(graph))
    seen: list[str] = []
    node = start
    while node not in seen:
        seen.append(node)
        node = next(d for d in graph[node] if d in graph)
    cycle = seen[seen.index(node):]
    return list(reversed(cycle))  # upstream first, as the arrows read

