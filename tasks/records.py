"""Record a check-in or review from a Prefect form, through the same Recorder as the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from prefect import task
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from core.events import SHANGHAI

__all__ = ["FORM_LINKS_ONLY", "evidence_links", "make_recorder", "record_checkin", "record_review", "trigger_reconcile"]

FORM_LINKS_ONLY = ("表单的附件一栏只接受链接（http:// 或 https://），不读取服务器上的文件；文件请通过报送入口上传",
                   "the form's evidence field takes links only (http:// or https://) and never reads a file on the "
                   "server; upload files through the portal")


@contextmanager
def make_recorder(actor: str, plan_id: str | None = None) -> Iterator[Any]:
    """A Recorder on the plan (an id, or the default plan), calendar and database; its engine is disposed
    afterwards, so a long-running `liangshan serve` does not gather connection pools, one per form run."""
    from config.holidays import load_calendar
    from config.loader import load_plan
    from config.plans import choose_plan
    from config.settings import get_settings
    from db.engine import database_url, make_engine, make_sessionmaker
    from db.records import Recorder
    from db.tasks import with_tasks

    settings = get_settings()
    engine = make_engine(database_url(settings))
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:  # a task (交办事项) takes a check-in or review like any step
            plan = with_tasks(session=session, plan=load_plan(choose_plan(plan_id, settings)))
        yield Recorder(sessions, plan, load_calendar(settings.holidays), Path(settings.home).resolve(), actor)
    finally:
        engine.dispose()


def _moment(at: date | None) -> datetime | None:
    return None if at is None else datetime.combine(at, time(12), SHANGHAI)


def _refused(exc: Any) -> State:
    return Failed(name="未登记", message=f"{exc.zh} / {exc.en}（退出码 {exc.code}）")


def evidence_links(evidence: str) -> list[str] | None:
    """The links typed in a form's evidence field (one or more, separated by spaces or lines), or None
    when anything in it is not an http(s) link. Nothing is ever opened or read: the text is only parsed."""
    from urllib.parse import urlsplit

    links = evidence.split()
    for link in links:
        try:
            parts = urlsplit(link)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return None
    return links


@task(name="record_checkin", task_run_name="登记报送：{step_id}")
def record_checkin(step_id: str, by: str, deliverables: list[str], note: str = "", evidence: str = "",
                   at: date | None = None, on_behalf_of: str | None = None, actor: str = "prefect-ui",
                   plan_id: str | None = None) -> State:
    """Record a check-in; a refusal ends Failed with the CLI's message and exit reason.

    ``evidence`` takes links only: a form never reads a path on the server (whoever opens the Prefect
    UI could otherwise archive any file the service can read). Files come through the portal.
    """
    from db.records import CheckInRequest, Refusal

    links = evidence_links(evidence)
    if links is None:
        zh, en = FORM_LINKS_ONLY
        return Failed(name="未登记", message=f"{zh} / {en}（退出码 2）")
    if links:
        note = f"{note}\n附件链接：{' '.join(links)}".strip()
    request = CheckInRequest(step_id, by, tuple(deliverables), (), note, _moment(at), on_behalf_of)
    try:
        with make_recorder(actor, plan_id) as recorder:
            outcome = recorder.checkin(request)
    except Refusal as exc:
        return _refused(exc)
    names = "、".join(r["deliverable_id"] for r in outcome.created) or "无新记录（已登记过）"
    return Completed(name="已登记", message=f"{step_id}：{names}", data={"created": len(outcome.created)})


@task(name="record_review", task_run_name="登记审核：{step_id}")
def record_review(step_id: str, by: str, decision: str, reason: str = "", resubmit_by: date | None = None,
                  deliverables: list[str] | None = None, actor: str = "prefect-ui", plan_id: str | None = None) -> State:
    """Record the office's review; a refusal ends Failed with the CLI's message and exit reason."""
    from db.records import Refusal, ReviewRequest

    request = ReviewRequest(step_id, by, decision, reason, resubmit_by, tuple(deliverables or ()))
    try:
        with make_recorder(actor, plan_id) as recorder:
            outcome = recorder.review(request)
    except Refusal as exc:
        return _refused(exc)
    return Completed(name="已登记", message=f"{step_id}：{decision}", data={"created": len(outcome.created)})


def trigger_reconcile(plan_id: str) -> str | None:
    """Ask for a reconcile run of the plan now, when its deployment is served; its run id, or None."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    from core.deployments import deployment_name

    try:
        run: Any = run_deployment(deployment_name("reconcile", plan_id), timeout=0, as_subflow=False,
                                  parameters={"plan": plan_id})
    except ObjectNotFound:
        return None
    return str(run.id)
