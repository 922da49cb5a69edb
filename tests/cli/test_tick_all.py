"""`tick --all`, `deploy` and the forms of many plans, up to where a Prefect server is needed (the rest is
tests/e2e/test_workers.py): refusals, the verdict of a tick, and each plan's own deployments."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.loader import load_plan
from core.runs import tick_outcome
from tests.cli.test_many_plans import OTHER_ID, two_plans

runner = CliRunner()


@pytest.fixture(name="no_server")
def fixture_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("LIANGSHAN_PLAN", raising=False)
    monkeypatch.setenv("LIANGSHAN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIANGSHAN_PLANS", str(two_plans(tmp_path / "plans")))
    return tmp_path


@pytest.mark.parametrize("args", [("tick", "--all"), ("deploy", "--pool", "liangshan")])
def test_pool_commands_need_a_server(no_server: Path, args: tuple[str, ...]) -> None:
    """Without PREFECT_API_URL there are no deployments to submit to: exit 2, saying what to set."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2
    assert "PREFECT_API_URL" in result.output and "需要 Prefect 服务器" in result.output


@pytest.mark.parametrize("args", [("tick", "--wait"), ("tick", "--all", "--plan", OTHER_ID), ("tick", "--all", "--dry-run"),
                                  ("tick", "--all", "--stale-after", "5"), ("tick", "--all", "--timeout", "-1")])
def test_tick_options_that_do_not_go_together(no_server: Path, args: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2 and "--" in result.output


def test_tick_of_an_unknown_plan_is_refused_before_prefect_starts(no_server: Path) -> None:
    result = runner.invoke(app, ["tick", "--plan", "huyi-two-mountain"])
    assert result.exit_code == 2 and "huyi-two-mountains" in result.output  # the closest id


def _row(plan: str, action: str = "submitted", state_type: str | None = "COMPLETED", state: str | None = "全部按期") -> dict:
    return {"plan": plan, "action": action, "state_type": state_type, "state": state}


def test_tick_outcome() -> None:
    """A broken run outranks everything (4); then not deployed, a wait timed out, a late plan (1); else 0."""
    done = [_row("a"), _row("b")]
    assert tick_outcome(done, waited=True, finished=True)[0] == 0
    assert tick_outcome([*done, _row("c", state="3项逾期")], waited=True, finished=True) == (
        1, "全部运行完成；1 个计划有逾期步骤：c / done; plans with overdue steps")
    assert tick_outcome([*done, _row("c", state_type="CRASHED", state="Crashed")], waited=True, finished=True)[0] == 4
    assert tick_outcome([*done, _row("c", action="not_deployed", state_type=None, state=None)],
                        waited=False, finished=True)[0] == 1
    assert tick_outcome([*done, _row("c", state_type="RUNNING", state="Running")], waited=True, finished=False)[0] == 1
    assert tick_outcome([_row("a", state_type="SCHEDULED", state="Scheduled")], waited=False, finished=True)[0] == 0


def test_each_plan_has_its_own_deployments_and_forms(no_server: Path) -> None:
    """Four deployments per plan, named after it; the plan's timezone on its schedule; each form offers only its
    own plan's steps, and the flows are found on flows.forms by the name a worker's entrypoint gives."""
    import flows.forms as forms
    from flows.deployments import plan_deployments

    other = no_server / "plans" / "eco.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai", "timezone: Asia/Urumqi"),
                     encoding="utf-8")
    plans = [load_plan(no_server / "plans" / "huyi.yaml"), load_plan(other)]
    made = {d.name: d for plan in plans for d in plan_deployments(plan)}
    assert sorted(made) == sorted(f"{kind}/{pid}" for kind in ("reconcile", "gate", "checkin", "review")
                                  for pid in ("huyi-two-mountains", OTHER_ID))
    reconcile = made[f"reconcile/{OTHER_ID}"].deployment
    assert reconcile.parameters == {"plan": OTHER_ID}
    assert reconcile.schedules[0].schedule.timezone == plans[1].settings.timezone
    assert reconcile.concurrency_limit == 1
    entry = made[f"checkin/{OTHER_ID}"].entrypoint
    assert entry == "flows/forms.py:checkin__huyi_eco_civilization"
    flow = getattr(forms, entry.split(":")[1])
    step_choices = flow.parameters.model_dump()["definitions"]["CheckInForm"]["properties"]["step"]["enum"]
    assert len(step_choices) == len(set(step_choices)) > 20
    with pytest.raises(AttributeError):
        forms.checkin__no_such_plan  # noqa: B018
