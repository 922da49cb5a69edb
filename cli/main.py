"""Entry point of the ``liangshan`` command.

Only light modules are imported here: commands that run Prefect flows import prefect inside
themselves, so that ``plan``, ``status`` and ``checkin`` start fast.
"""

from __future__ import annotations

import typer

from cli import (
    adopt,
    automations,
    backup,
    board,
    facts,
    indicators,
    library,
    meeting,
    notify,
    people,
    plan,
    plans,
    portal,
    progress,
    report,
    run,
    tasks,
    urge,
    web,
)

app = typer.Typer(
    name="liangshan",
    help="两山：多年期工作方案的阶段、步骤与成果跟踪 / liangshan: track the phases and steps of a work plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(plan.app, name="plan")
app.command("plans")(plans.plans)
app.command("status")(board.status)
app.command("simulate")(board.simulate)
app.command("init")(facts.init)
app.add_typer(facts.db_app, name="db")
app.command("checkin")(facts.checkin)
app.command("review")(facts.review)
app.command("import")(facts.import_events)
app.command("history")(facts.history)
app.command("verify")(facts.verify)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(notify.app, name="notify")
app.add_typer(indicators.app, name="indicator")
app.add_typer(library.case_app, name="case")
app.add_typer(library.project_app, name="project")
app.add_typer(meeting.app, name="meeting")
app.add_typer(tasks.app, name="task")
app.add_typer(people.app, name="people")
app.command("urge")(urge.urge)
app.command("link")(portal.link)
app.command("ack")(portal.ack)
app.command("extend")(portal.extend)
app.add_typer(portal.extension_app, name="extension")
app.command("report")(report.report)
app.command("web")(web.web)
app.command("tick")(run.tick)
app.command("serve")(run.serve)
app.command("deploy")(run.deploy)
app.command("adopt")(adopt.adopt)
app.add_typer(automations.app, name="automations")
app.add_typer(progress.app, name="progress")


def main() -> None:
    """Run the command line."""
    app()
