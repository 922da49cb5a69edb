"""The plan file's schema: what a ``config/plans/*.yaml`` may say, field by field.

These models check the shape of the file (types, required fields, no unknown keys). The
meaning (references between ids, windows inside phases, cycles) is checked when the file is
compiled into a :class:`core.plan.Plan` by :mod:`config.loader`, where every problem is named
with its line and column.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "BureauSpec",
    "CaseThemeSpec",
    "DeliverableSpec",
    "GuaranteeSpec",
    "IndicatorSpec",
    "InstanceSpec",
    "PhaseSpec",
    "PlanFile",
    "PlanHeader",
    "ProgressSpec",
    "RepeatSpec",
    "RuleSpec",
    "SettingsSpec",
    "StepSpec",
    "TrackingSpec",
    "WindowRange",
]

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$"),
    Field(description="An id: lowercase letters, digits and dashes; dots separate a step's parts."),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Assumptions = Annotated[
    dict[str, str],
    Field(
        default_factory=dict,
        description="Fields whose values the seed document does not state, each with a note "
        "saying what was assumed, so the office can see and change it.",
    ),
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class WindowRange(_Spec):
    """A window given by its two ends, each an ISO date or a period phrase."""

    start: date | str = Field(description="First day: an ISO date or period words (its first day).")
    due: date | str = Field(description="Due day: an ISO date or period words (its last day).")


WindowSpec = Annotated[
    str | WindowRange,
    Field(
        description="A window in the plan's words (e.g. 2024年4月初-4月中旬) or {start, due}. "
        "In a recurring step, {year}, {prev} and {next} stand for the instance's year, the year "
        "before and the year after; in a quarterly step, {quarter} is the quarter (1-4) and "
        "{quarter_zh} its Chinese numeral (一..四); in a monthly step, {month} is the month (1-12); "
        "in a half-yearly step, {half} is 1 or 2 and {half_zh} 上 or 下."
    ),
]


class PlanHeader(_Spec):
    """Who the plan is and where it came from."""

    id: Id = Field(description="The plan's id, stable for its whole life.")
    title: Text = Field(description="The plan's Chinese title, as issued.")
    short_title: str = Field("", max_length=20, description="A few characters that name the plan in a message's "
                             "subject (e.g. 两山基地); empty: the title.")
    source: str = Field("", description="The document the plan was transcribed from.")


class LadderSpec(_Spec):
    """The reminder and escalation ladder, counted in China's working days."""

    due_in: tuple[Annotated[int, Field(ge=0, le=60)], ...] = Field(
        (5, 1), description="Remind the owners when the due date is this many working days away.")
    repeat_every: int = Field(3, ge=1, le=60, description="Once overdue, remind the owners again every N working days.")
    escalate_after: int = Field(5, ge=1, le=120, description="督办 to the leaders and office at N working days late.")
    received_lookback_days: int = Field(14, ge=0, le=90, description="Acknowledge check-ins made in the last N days.")
    weekly_digest: bool = Field(True, description="Send the office a digest on the first working day of each week.")


class SettingsSpec(_Spec):
    """Evaluation rules the plan sets for itself."""

    timezone: str = Field("Asia/Shanghai", description="The zone in which 'today' is reckoned.")
    due_soon_workdays: int = Field(
        5, ge=0, le=60, description="A step is 'due soon' (yellow) within this many working days."
    )
    roll_due_to_workday: bool = Field(
        True,
        description="A due date on a non-working day moves to the next working day (顺延).",
    )
    ladder: LadderSpec = Field(default_factory=lambda: LadderSpec.model_validate({}), description="Reminders.")
    ack_window_workdays: int = Field(
        10, ge=1, le=250,
        description="签收只请求最近开放的步骤：开放（或跟踪起始）后这么多个工作日内、尚未报送的 / 签收 is asked "
        "for a step within this many working days of its opening (never one opened before the tracking start) "
        "until it is handed in.")
    office_contact: str = Field(
        "", max_length=200,
        description="办公室的联系人和电话，显示在报送入口的“链接无效”等页面上，告诉各单位找谁 / whom a bureau "
        "calls when its link does not work (the office's name and phone), shown on the portal's error pages.")
    assumptions: Assumptions


class TrackingSpec(_Spec):
    """When the office began tracking the plan with liangshan (中途接入 / adopting mid-plan)."""

    since: date = Field(
        description="跟踪起始日：此日之前的事项（开放、到期、逾期、报送）不再发提醒或督办，看板照常显示 / "
        "the tracking start: no reminder or escalation is sent for anything dated before it; the board "
        "still shows what was not recorded as overdue. `liangshan adopt --as-of` writes the history to fill in.")


class ProgressSpec(_Spec):
    """进展报送: every owner of a long open check-in step reports its progress each period."""

    every: Literal["month", "quarter", "half"] = Field(
        "quarter", description="The reporting period: 'month' (每月), 'quarter' (每季度) or 'half' (每半年).")
    due_workdays_before_end: int = Field(
        10, ge=0, le=60, description="A period's report is due this many working days before the period ends.")
    min_window_days: int = Field(
        180, ge=1, le=3660, description="Only steps whose window is longer than this many days report.")
    assumptions: Assumptions


class BureauSpec(_Spec):
    """A responsible unit."""

    id: Id = Field(description="Short English id used everywhere else in the plan.")
    name: Text = Field(description="The unit's full Chinese name.")
    note: str = Field("", description="Anything the office should know about the unit.")


class DeliverableSpec(_Spec):
    """Something a step must check in."""

    id: Id = Field(description="Unique within its step.")
    title: Text = Field(description="What is checked in, in the plan's words.")


class RepeatSpec(_Spec):
    """Repetition of a step every year, half-year, quarter or month over a range of years, both ends included."""

    every: Literal["year", "half", "quarter", "month"] = Field(
        "year", description="'year', 'half' (半年), 'quarter' or 'month'.")
    from_year: int = Field(alias="from", ge=2000, le=2100, description="First year, included.")
    to_year: int = Field(alias="to", ge=2000, le=2100, description="Last year, included.")
    from_quarter: int = Field(1, ge=1, le=4, description="For every: quarter, the first year's first quarter.")
    to_quarter: int = Field(4, ge=1, le=4, description="For every: quarter, the last year's last quarter.")
    from_month: int = Field(1, ge=1, le=12, description="For every: month, the first year's first month.")
    to_month: int = Field(12, ge=1, le=12, description="For every: month, the last year's last month.")
    from_half: int = Field(1, ge=1, le=2, description="For every: half, the first year's first half (1 上半年, 2 下半年).")
    to_half: int = Field(2, ge=1, le=2, description="For every: half, the last year's last half.")


class InstanceSpec(_Spec):
    """What one year of a recurring step does differently."""

    window: WindowSpec | None = Field(None, description="This year's window instead of the template's.")
    depends_on: tuple[str, ...] | None = Field(
        None, description="This year's dependencies instead of the template's."
    )
    note: str = Field("", description="Why this year differs.")


class StepSpec(_Spec):
    """A step (步骤): owners, deliverables, dependencies and window."""

    id: Id = Field(description="Full id '<phase>.<name>'; a recurring step adds '.<year>' (or "
                   "'.<year>q<n>', '.<year>m<nn>', '.<year>h<n>') per instance. A track's recurring step may be "
                   "named as the track itself.")
    title: Text = Field(description="The step in the plan's own words.")
    description: str = Field("", description="The seed's fuller text for the step.")
    collect: Literal["checkin", "indicators", "cases"] = Field(
        "checkin",
        description="How the step closes: 'checkin' (deliverables are checked in), 'indicators' (every "
        "indicator has a value for the step's year) or 'cases' (the theme has a case in the step's year). "
        "A collecting step takes its owners and deliverables from the indicator table or the theme.")
    theme: Id | None = Field(None, description="For collect: cases, the case theme's id (附件2).")
    pack: bool = Field(False, description="A meeting: before it, a meeting pack (会议材料) is produced.")
    completion: Literal["lead", "each", "any"] | None = Field(
        None,
        description="Whose hand-in completes the step: 'lead' (the first owner's; the other owners' hand-ins are "
        "contributions, 配合材料), 'each' (every owner hands in its own) or 'any' (any owner's). Absent: 'lead' for a "
        "check-in step, 'any' for a collecting step (its indicators and themes name their own bureaus).")
    owners: tuple[Id, ...] = Field((), description="Responsible bureaus; the first leads. Required for check-in steps.")
    deliverables: tuple[DeliverableSpec, ...] = Field(
        (), description="What must be checked in before the step can close. Required for check-in steps."
    )
    depends_on: tuple[str, ...] = Field(
        (),
        description="Steps that must be done first: a step id, a recurring step's id (all its "
        "years) or a phase id (all its steps).",
    )
    window: WindowSpec | None = Field(
        None, description="When the step is open; absent means the whole window of its phase."
    )
    review: bool = Field(
        False, description="Whether the office must accept the deliverables before the step closes."
    )
    repeat: RepeatSpec | None = Field(
        None, description="Yearly, half-yearly, quarterly or monthly repetition, expanded to instances.")
    instances: dict[str, InstanceSpec] = Field(
        default_factory=dict, description="Per-instance exceptions of a recurring step, keyed by year (or 2024q2, 2024m03, 2024h2)."
    )
    assumptions: Assumptions


class PhaseSpec(_Spec):
    """A phase (阶段) or a track (常态化工作) and its steps."""

    id: Id = Field(description="Short English id; step ids start with it.")
    title: Text = Field(description="The phase's Chinese title.")
    window: WindowSpec = Field(description="The phase's window, in the plan's words.")
    steps: tuple[StepSpec, ...] = Field(min_length=1, description="The phase's steps, in plan order.")
    assumptions: Assumptions


class RuleSpec(_Spec):
    """A machine-readable target; see core.plan.RULE_KINDS for the kinds."""

    kind: str = Field(description="threshold, steady_increase, no_decrease, achieved, established "
                      "or assigned_and_steady.")
    op: str | None = Field(None, description="For threshold: >, >=, <, <= or ==.")
    value: float | None = Field(None, description="For threshold: the number compared against.")


class IndicatorSpec(_Spec):
    """A row of 附件1."""

    id: Id = Field(description="The seed's numbering: 1, 2a, 2b, ... 10.")
    goal: Text = Field(description="目标层, e.g. 构筑绿水青山.")
    area: Text = Field(description="任务层, e.g. 环境质量.")
    title: Text = Field(description="指标, the indicator's name.")
    target_text: Text = Field(description="指标目标值, verbatim from the seed.")
    rule: RuleSpec = Field(description="The target as a rule a machine can check.")
    unit: str = Field(description="The unit values are recorded in; empty for yes/no indicators.")
    owners: tuple[Id, ...] = Field(min_length=1, description="Responsible bureaus; the first leads.")
    assumptions: Assumptions


class CaseThemeSpec(_Spec):
    """A row of 附件2."""

    id: Id = Field(description="The seed's numbering, 1 to 8.")
    title: Text = Field(description="The theme's focus, in the seed's words.")
    text: Text = Field(description="The row's full text, verbatim.")
    owners: tuple[Id, ...] = Field(min_length=1, description="Bureaus that provide material.")


class GuaranteeSpec(_Spec):
    """A guarantee measure (保障措施)."""

    id: Id = Field(description="Short English id.")
    title: Text = Field(description="The measure's Chinese title.")
    owners: tuple[Id, ...] = Field(min_length=1, description="Who carries it out.")
    text: Text = Field(description="What the seed says of it.")
    cadence: str | None = Field(None, description="How often it recurs, e.g. quarterly.")
    assumptions: Assumptions


class PlanFile(_Spec):
    """A whole plan file."""

    plan: PlanHeader = Field(description="The plan's id, title and source.")
    settings: SettingsSpec = Field(default_factory=lambda: SettingsSpec.model_validate({}), description="Evaluation rules.")
    progress: ProgressSpec | None = Field(
        None, description="进展报送的规则 {every: quarter, due_workdays_before_end: 10, min_window_days: 180} / "
        "the progress-report rule; absent means no progress reports.")
    tracking: TrackingSpec | None = Field(
        None, description="跟踪起始日 {since: 2026-12-01}，计划已进行一段时间后才开始使用时填写 / "
        "the day tracking started, for a plan adopted mid-way; absent means from the plan's first day.")
    bureaus: tuple[BureauSpec, ...] = Field(min_length=1, description="Every responsible unit.")
    phases: tuple[PhaseSpec, ...] = Field(min_length=1, description="The phases, in order.")
    indicators: tuple[IndicatorSpec, ...] = Field((), description="附件1, the annual indicators.")
    case_themes: tuple[CaseThemeSpec, ...] = Field((), description="附件2, typical-case themes.")
    guarantees: tuple[GuaranteeSpec, ...] = Field((), description="保障措施.")
    tracks: tuple[PhaseSpec, ...] = Field(
        (), description="Work that recurs beside the phases (indicator collection, cases, meetings): same "
        "shape as a phase, not one of the plan's stages.")
