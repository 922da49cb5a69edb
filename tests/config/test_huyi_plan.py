"""The shipped plan says what the seed document says."""

from __future__ import annotations

from datetime import date

import pytest

from core.plan import Plan

PHASE_WINDOWS = {
    "mobilize": ("动员部署阶段", date(2024, 4, 1), date(2024, 4, 20)),
    "draft": ("实施方案编制阶段", date(2024, 4, 1), date(2024, 5, 10)),
    "apply": ("组织申报阶段", date(2024, 5, 1), date(2024, 9, 30)),
    "build": ("建设实施阶段", date(2024, 10, 1), date(2028, 12, 31)),
    "evaluate": ("评估总结阶段", date(2029, 1, 1), date(2029, 12, 31)),
}

CONTRACT_STEPS = [
    "mobilize.work-plan", "mobilize.leading-group", "mobilize.commission",
    "draft.survey", "draft.compile", "draft.publish",
    "apply.materials", "apply.provincial-review", "apply.national-review",
    "build.leadership", "build.pathways",
    *(f"build.annual-plan.{y}" for y in range(2025, 2029)),
    *(f"build.annual-summary.{y}" for y in range(2024, 2029)),
    "evaluate.self-assessment", "evaluate.national",
]

BUREAUS = {
    "eco": "市生态环境局鄠邑分局", "office": "“两山”基地建设工作领导小组办公室",
    "leaders": "“两山”基地建设工作领导小组", "gov": "鄠邑区人民政府", "water": "区水务局",
    "agri": "区农业农村局", "resources": "市资源规划局鄠邑分局", "qinling": "区秦岭保护局",
    "ndrc": "区发改委", "tourism": "区文化旅游局", "industry": "区投资工信局", "finance": "区财政局",
    "media": "区融媒体中心", "health": "区卫生健康局", "urban": "区城管执法局", "weather": "区气象局",
    "rural": "区乡村振兴局", "civil": "区民政局", "rivers": "区河湖中心",
    "streets": "各街道（景区管理局）", "tech": "技术支撑单位",
}

# 附件1: id -> (target text verbatim, rule kind, owners with the lead first)
INDICATORS = {
    "1": ("完成上级规定的考核任务，且保持稳定或持续提高", "assigned_and_steady", ["eco"]),
    "2a": ("100%", "threshold", ["eco", "water"]),
    "2b": (">90%", "threshold", ["eco"]),
    "2c": ("稳定提高", "steady_increase", ["eco"]),
    "3a": (">95%", "threshold", ["agri"]),
    "3b": (">95%", "threshold", ["resources", "eco"]),
    "4a": (">44%", "threshold", ["qinling"]),
    "4b": ("稳定提高", "steady_increase", ["qinling", "resources", "agri"]),
    "4c": ("不减少", "no_decrease", ["resources"]),
    "4d": ("稳定提高", "steady_increase", ["resources", "ndrc", "eco"]),
    "5": ("稳定提高", "steady_increase", ["qinling", "agri", "tourism"]),
    "6a": ("稳定提高", "steady_increase", ["agri", "qinling"]),
    "6b": ("稳定提高", "steady_increase", ["industry", "ndrc"]),
    "6c": ("稳定提高", "steady_increase", ["tourism", "ndrc"]),
    "7": ("稳定提高", "steady_increase", ["finance", "eco"]),
    "8a": ("获得", "achieved", ["eco", "media", "industry", "health", "qinling", "urban", "weather", "tourism"]),
    "8b": (">95%", "threshold", ["eco"]),
    "9a": ("建立实施", "established", ["ndrc", "industry", "water", "qinling", "eco", "tourism", "finance"]),
    "9b": ("建立实施", "established", ["ndrc", "finance", "resources", "eco", "water", "agri", "qinling", "tourism"]),
    "10": (">3%", "threshold", ["finance", "industry"]),
}

THEME_OWNERS = {
    "1": ["ndrc", "eco"], "2": ["resources", "eco"], "3": ["qinling"], "4": ["agri", "rural"],
    "5": ["tourism", "civil", "health"], "6": ["water", "rivers"], "7": ["industry"], "8": ["streets"],
}


def test_phases_have_the_seed_windows(huyi: Plan) -> None:
    """Five phases, in order, with the seed's titles and windows."""
    assert [p.id for p in huyi.phases] == list(PHASE_WINDOWS)
    for phase in huyi.phases:
        title, start, due = PHASE_WINDOWS[phase.id]
        assert (phase.title, phase.window.start, phase.window.due) == (title, start, due)


def test_every_contract_step_is_there(huyi: Plan) -> None:
    """The step ids other tools rely on all exist."""
    assert set(CONTRACT_STEPS) <= set(huyi.steps)


def test_bureaus_match_the_contract(huyi: Plan) -> None:
    """All 21 responsible units, with their Chinese names."""
    assert {b.id: b.name for b in huyi.bureaus.values()} == BUREAUS


@pytest.mark.parametrize(
    ("step", "start", "due"),
    [
        ("apply.materials", date(2024, 5, 1), date(2024, 5, 10)),
        ("apply.provincial-review", date(2024, 5, 11), date(2024, 5, 31)),
        ("apply.national-review", date(2024, 6, 1), date(2024, 9, 30)),
        ("mobilize.work-plan", date(2024, 4, 1), date(2024, 4, 20)),
        ("draft.publish", date(2024, 4, 1), date(2024, 5, 10)),
        ("build.annual-plan.2026", date(2026, 1, 1), date(2026, 3, 31)),
        ("build.annual-summary.2028", date(2028, 12, 1), date(2028, 12, 31)),
    ],
)
def test_step_windows(huyi: Plan, step: str, start: date, due: date) -> None:
    """Steps take the seed's sub-windows, else their phase's window, else the marked assumption."""
    assert (huyi.steps[step].window.start, huyi.steps[step].window.due) == (start, due)


@pytest.mark.parametrize(
    ("step", "upstream"),
    [
        ("mobilize.leading-group", "mobilize.work-plan"),
        ("mobilize.commission", "mobilize.work-plan"),
        ("draft.survey", "mobilize.commission"),
        ("draft.compile", "draft.survey"),
        ("draft.publish", "draft.compile"),
        ("apply.materials", "draft.compile"),
        ("apply.provincial-review", "apply.materials"),
        ("apply.national-review", "apply.provincial-review"),
        ("build.leadership", "apply.national-review"),
        ("build.leadership", "draft.publish"),
        ("build.annual-summary.2027", "build.annual-plan.2027"),
        ("evaluate.national", "evaluate.self-assessment"),
    ],
)
def test_dependencies(huyi: Plan, step: str, upstream: str) -> None:
    """The order the seed implies is in the plan."""
    assert upstream in huyi.steps[step].depends_on


def test_self_assessment_waits_for_all_of_build(huyi: Plan) -> None:
    """Everything in the build phase, and the 2028 indicator values, come before the 2029 self-assessment."""
    build = next(p for p in huyi.phases if p.id == "build")
    assert set(build.step_ids) | {"indicators.2028"} == set(huyi.steps["evaluate.self-assessment"].depends_on)


def test_topological_order_puts_upstream_first(huyi: Plan) -> None:
    """The plan order never lists a step before one it depends on."""
    position = {sid: i for i, sid in enumerate(huyi.topo_order)}
    assert len(position) == len(huyi.steps)
    for step in huyi.steps.values():
        assert all(position[dep] < position[step.id] for dep in step.depends_on)


def test_twenty_indicators_match_attachment_one(huyi: Plan) -> None:
    """附件1: twenty rows, targets verbatim, a rule each, owners with the lead first."""
    got = {i.id: (i.target_text, i.rule.kind, list(i.owners)) for i in huyi.indicators}
    assert got == INDICATORS
    by_id = {i.id: i for i in huyi.indicators}
    assert (by_id["2b"].rule.op, by_id["2b"].rule.value) == (">", 90)
    assert by_id["1"].group == "构筑绿水青山 / 环境质量"
    assert by_id["10"].group == "建立长效机制 / 资金保障"


def test_eight_case_themes_match_attachment_two(huyi: Plan, seed_text: str) -> None:
    """附件2: eight themes with their material-providing bureaus; texts are the seed's words."""
    assert {t.id: list(t.owners) for t in huyi.case_themes} == THEME_OWNERS
    for theme in huyi.case_themes:
        assert theme.text in seed_text
        assert theme.title in theme.text or theme.id == "8"


def test_titles_are_the_seeds_words(huyi: Plan, seed_text: str) -> None:
    """Phase titles and indicator names are quoted from the seed, not paraphrased."""
    for phase in huyi.phases:
        assert phase.title in seed_text
    for ind in huyi.indicators:
        assert ind.title in seed_text
        assert ind.target_text in seed_text


def test_unstated_values_are_marked_as_assumptions(huyi: Plan) -> None:
    """Windows of annual plans and summaries, review flags and meeting cadence are marked."""
    marked = {a.where for a in huyi.assumptions}
    assert {
        "steps.build.annual-plan.window",
        "steps.build.annual-summary.window",
        "steps.draft.compile.review",
        "guarantees.dispatch-meetings.cadence",
    } <= marked
    assert all(a.note for a in huyi.assumptions)


def test_guarantee_measures(huyi: Plan) -> None:
    """The leading group, dispatch meetings, project library and special funds are in the plan."""
    assert {g.id for g in huyi.guarantees} == {"leading-group", "dispatch-meetings", "special-funds", "project-library"}
    meetings = next(g for g in huyi.guarantees if g.id == "dispatch-meetings")
    assert meetings.owners == ("office",)
    assert meetings.cadence == "quarterly"


def test_plan_is_immutable(huyi: Plan) -> None:
    """A loaded plan cannot be changed while it is evaluated."""
    with pytest.raises(AttributeError):
        huyi.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        huyi.steps["x"] = huyi.steps["draft.survey"]  # type: ignore[index]


def test_example_notify_config_uses_known_tags(huyi: Plan) -> None:
    """config/notify.example.yaml parses with the project's wecom:// plugin; every tag is a bureau id."""
    import apprise

    from config.settings import CONFIG_DIR
    from tasks.wecom import register

    register()
    app = apprise.Apprise()
    cfg = apprise.AppriseConfig()
    cfg.add(str(CONFIG_DIR / "notify.example.yaml"))
    app.add(cfg)
    assert len(app) == 5
    tags = {str(t) for service in app for t in service.tags}
    assert tags <= set(huyi.bureaus)
    assert "always" not in tags
