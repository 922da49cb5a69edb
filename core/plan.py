"""The plan as the engine sees it: phases of dated step instances, owners, indicators, themes.

These are the validated, expanded values that ``config`` builds from a plan file (recurring steps
already expanded to one instance per year, every window already a pair of dates). They are frozen:
a loaded plan never changes while it is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

from core.periods import PeriodKind, Window

__all__ = [
    "COLLECT_ZH",
    "COMPLETION_ZH",
    "RULE_KINDS",
    "Assumption",
    "Bureau",
    "CaseTheme",
    "Collect",
    "Completion",
    "Deliverable",
    "Guarantee",
    "Indicator",
    "IndicatorRule",
    "LadderSettings",
    "Phase",
    "Plan",
    "PlanSettings",
    "ProgressRule",
    "Step",
]

RuleKind = Literal[
    "threshold", "steady_increase", "no_decrease", "achieved", "established", "assigned_and_steady"
]

# What each machine-readable indicator rule means, in the words of 附件1's target column.
RULE_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "threshold": "阈值，如 >90%、100% / a threshold such as >90% or 100%",
        "steady_increase": "稳定提高：不低于上一年 / not below the previous year",
        "no_decrease": "不减少：不低于基准值和上一年 / below neither baseline nor previous year",
        "achieved": "获得：有证明材料 / achieved, shown by evidence",
        "established": "建立实施：有证明材料 / established and implemented, shown by evidence",
        "assigned_and_steady": (
            "完成上级规定的考核任务，且保持稳定或持续提高 / the year's assigned target is met "
            "and the value is not below the previous year"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Assumption:
    """A value the seed document does not state, chosen by us and marked for the office."""

    where: str
    note: str


@dataclass(frozen=True, slots=True)
class Bureau:
    """A responsible unit (责任单位) that owns steps, indicators or case themes."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Deliverable:
    """A thing a step must check in (成果/材料) before it can close."""

    id: str
    title: str
    owners: tuple[str, ...] = ()

    def owed_by(self, step_owners: tuple[str, ...]) -> tuple[str, ...]:
        """Who must provide it: its own bureaus (an indicator's, a theme's), else the step's owners."""
        return self.owners or step_owners


# How a step's deliverables arrive: checked in (报送), or collected from the records the plan keeps.
Collect = Literal["checkin", "indicators", "cases"]

COLLECT_ZH: Mapping[str, str] = MappingProxyType({
    "checkin": "报送成果",
    "indicators": "指标数值（liangshan indicator record）",
    "cases": "典型案例（liangshan case add）",
})


# Whose hand-in completes a step with several owners (see core.joint for the rule table).
Completion = Literal["lead", "each", "any"]

COMPLETION_ZH: Mapping[str, str] = MappingProxyType({
    "lead": "牵头单位汇总报送后完成，配合单位报送配合材料",
    "each": "每个责任单位分别报送后完成",
    "any": "任一责任单位报送即完成",
})


@dataclass(frozen=True, slots=True)
class Step:
    """One step instance: a recurring step appears once per year, as ``<id>.<year>``."""

    id: str
    phase: str
    title: str
    window: Window
    owners: tuple[str, ...]
    deliverables: tuple[Deliverable, ...]
    depends_on: tuple[str, ...]
    review: bool
    description: str = ""
    series: str | None = None
    year: int | None = None
    quarter: int | None = None
    collect: Collect = "checkin"
    theme: str | None = None
    pack: bool = False
    completion: Completion = "lead"
    month: int | None = None  # a monthly instance's month (repeat: {every: month})
    half: int | None = None  # a half-yearly instance's half: 1 上半年, 2 下半年

    @property
    def lead(self) -> str:
        """The lead bureau (牵头单位): the first owner."""
        return self.owners[0]

    @property
    def collected(self) -> bool:
        """True when the step closes from recorded values or cases, never from a check-in."""
        return self.collect != "checkin"


@dataclass(frozen=True, slots=True)
class Phase:
    """A phase (阶段) or a track (常态化工作) with its window and step ids, in plan order.

    Phases are the seed's five stages, run one after another; tracks are the work that recurs
    beside them (indicator collection, typical cases, dispatch meetings).
    """

    id: str
    title: str
    window: Window
    step_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndicatorRule:
    """A machine-readable target: ``threshold`` uses ``op``/``value``; the others need neither."""

    kind: RuleKind
    op: Literal[">", ">=", "<", "<=", "=="] | None = None
    value: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The rule as JSON-ready data, omitting what its kind does not use."""
        data: dict[str, object] = {"kind": self.kind}
        if self.op is not None:
            data["op"] = self.op
            data["value"] = self.value
        return data


@dataclass(frozen=True, slots=True)
class Indicator:
    """A row of 附件1: an annual indicator with its target and responsible bureaus."""

    id: str
    goal: str
    area: str
    title: str
    target_text: str
    rule: IndicatorRule
    unit: str
    owners: tuple[str, ...]

    @property
    def group(self) -> str:
        """目标层 / 任务层, as the table groups the row."""
        return f"{self.goal} / {self.area}"


@dataclass(frozen=True, slots=True)
class CaseTheme:
    """A row of 附件2: a theme of typical cases and the bureaus that provide material."""

    id: str
    title: str
    text: str
    owners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guarantee:
    """A guarantee measure (保障措施): the leading group, meetings, the project library, funds."""

    id: str
    title: str
    owners: tuple[str, ...]
    text: str
    cadence: str | None = None


@dataclass(frozen=True, slots=True)
class LadderSettings:
    """The reminder and escalation ladder, in working days (see core.ladder)."""

    due_in: tuple[int, ...] = (5, 1)
    repeat_every: int = 3
    escalate_after: int = 5
    received_lookback_days: int = 14
    digest: bool = True


@dataclass(frozen=True, slots=True)
class ProgressRule:
    """进展报送: each owner of a long open check-in step reports every period (see core.progress)."""

    every: PeriodKind = "quarter"
    due_workdays_before_end: int = 10
    min_window_days: int = 180

    def words(self) -> str:
        """The rule in one Chinese sentence, as ``plan show`` prints it."""
        every = {"month": "每月", "quarter": "每季度", "half": "每半年"}[self.every]
        return (f"{every}报送一次：时间窗口超过 {self.min_window_days} 天、尚未完成的报送类步骤，"
                f"每个责任单位（办公室除外）在周期结束前 {self.due_workdays_before_end} 个工作日报送工作进展")


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """Rules of evaluation the plan sets for itself."""

    timezone: str = "Asia/Shanghai"
    due_soon_workdays: int = 5
    roll_due_to_workday: bool = True
    ladder: LadderSettings = field(default_factory=LadderSettings)
    # 跟踪起始日: nothing dated before it is announced (see core.ladder); None means from the plan's start.
    tracking_since: date | None = None
    # 办公室联系方式: whom a bureau calls when the portal refuses its link; empty: the office's name alone.
    office_contact: str = ""
    # 签收 is asked for within this many working days of a step's opening (core.inbox).
    ack_window_workdays: int = 10


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated plan: every reference resolved, recurring steps expanded, no cycles."""

    id: str
    title: str
    settings: PlanSettings
    bureaus: Mapping[str, Bureau]
    phases: tuple[Phase, ...]
    steps: Mapping[str, Step]
    indicators: tuple[Indicator, ...]
    case_themes: tuple[CaseTheme, ...]
    guarantees: tuple[Guarantee, ...] = ()
    tracks: tuple[Phase, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    content_hash: str = ""
    source: str = ""
    topo_order: tuple[str, ...] = field(default=())
    short_title: str = ""  # names the plan in a message's subject, e.g. 两山基地 (the compiler fills it)
    progress: ProgressRule | None = None  # 进展报送; None: the plan asks for no progress reports

    @property
    def groups(self) -> tuple[Phase, ...]:
        """Phases then tracks: every step belongs to exactly one."""
        return self.phases + self.tracks

    def is_phase_step(self, step_id: str) -> bool:
        """True for a step of the five phases, False for a track's."""
        return self.steps[step_id].phase in {p.id for p in self.phases}

    def bureau_name(self, bureau_id: str) -> str:
        """The bureau's Chinese name, or its id when the plan does not know it."""
        bureau = self.bureaus.get(bureau_id)
        return bureau.name if bureau else bureau_id
