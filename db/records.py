"""Recording facts: the one code path for check-ins, reviews and imports, whoever calls it.

The CLI, the Prefect forms and ``import`` all come here, so the same rules give the same answers:
each call is one transaction, and a refusal leaves nothing written. Refusals carry an exit code
(2: the input is wrong; 3: the rules refuse it) and a message in Chinese with the English beside.
"""

from __future__ import annotations

import difflib
import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.collect import Case, Contribution, Value, collected_events, contribution_problems
from core.events import SHANGHAI, Ack, CheckIn, Extension, Fact, Facts, ProgressReport, Review, check_fact
from core.joint import is_contribution
from core.plan import Plan, Step
from core.progress import check_report
from core.status import Engine
from core.tasks import Task, TaskClose, task_number, task_problems
from core.workdays import WorkdayCalendar
from db import repo
from db.engine import read_session
from db.evidence import StoredFile, Upload
from db.models import AckRow, CaseRow, CheckInRow, ExtensionRow, IndicatorValueRow, ReviewRow, utcnow
from db.progress_rows import write_report
from db.refusals import FORBIDDEN, INVALID, Refusal, archive_or_refuse, moment_or_refuse

__all__ = ["AckRequest", "CheckInRequest", "ExtensionDecision", "ExtensionRequest", "ImportItem", "Outcome", "Recorder",
           "Refusal", "ReviewRequest", "archive_or_refuse"]



@dataclass(frozen=True, slots=True)
class CheckInRequest:
    """A bureau checks in deliverables of a step (all of them when none are named)."""

    step: str
    by: str
    deliverables: tuple[str, ...] = ()
    files: tuple[Path | Upload, ...] = ()
    note: str = ""
    at: datetime | None = None
    on_behalf_of: str | None = None
    force: bool = False
    force_reason: str = ""


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """The office accepts or returns a step's checked-in deliverables (all that wait, by default)."""

    step: str
    by: str
    decision: str
    reason: str = ""
    resubmit_by: date | None = None
    deliverables: tuple[str, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AckRequest:
    """签收: a bureau (or the office for it) acknowledges that it has seen an opened step."""

    step: str
    by: str
    on_behalf_of: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """延期申请: a bureau asks the office for a new due date, with a reason."""

    step: str
    by: str
    to: date
    reason: str
    on_behalf_of: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExtensionDecision:
    """The office approves an extension request (with the date, by default the one asked for) or denies it."""

    request_id: int
    by: str
    decision: str
    to: date | None = None
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One event (or indicator value, or typical case) of an events file, with its evidence files and its line."""

    event: Fact | Contribution | Task | TaskClose
    files: tuple[Path, ...] = ()
    line: int = 0


@dataclass(slots=True)
class Judgement:
    """A check-in judged (not blocked) from the facts as of audit entry ``mark``, before the write lock.

    Whether a step is blocked depends only on the steps upstream of it, so the judgement still holds
    when nothing written since the mark touches one of them: a hand-in of the same step by fifty
    bureaus at once is judged once each, outside the lock. Only on SQLite, where one writer at a
    time means audit ids grow in commit order; elsewhere a later-committed lower id could hide.
    """

    mark: int
    facts: list[Fact]
    upstream: frozenset[str]
    held: bool = False

    def holds(self, session: Session, plan_id: str) -> bool:
        """True when no fact written after the mark can have changed the judgement (read under the lock)."""
        if session.get_bind().dialect.name != "sqlite":
            return False
        for entity, entity_id in repo.audit_since(session=session, plan_id=plan_id, mark=self.mark):
            if entity not in _STEP_ENTITIES or entity_id.split("/", 1)[0] in self.upstream:
                return False
        return True


# Audit entities whose id names the step they are about ("<step>/<deliverable, bureau or row>").
_STEP_ENTITIES = frozenset({"checkin", "review", "ack", "extension"})


@dataclass(slots=True)
class Outcome:
    """What a call wrote: new rows, and rows that were already there (the same fact again)."""

    created: list[dict[str, Any]] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)


class Recorder:
    """Records facts about one plan in one database, applying the plan's rules."""

    def __init__(self, sessions: sessionmaker[Session], plan: Plan, calendar: WorkdayCalendar, home: Path,
                 actor: str, now: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.plan = plan
        self.engine = Engine(plan, calendar)
        self.home = home
        self.actor = actor
        self.now = now

    # -- public API -------------------------------------------------------------------------

    def checkin(self, request: CheckInRequest) -> Outcome:
        """Record a check-in, or raise :class:`Refusal`."""
        step = self._step(request.step)
        self._bureau(request.by, "--by")
        if request.on_behalf_of is not None:
            self._bureau(request.on_behalf_of, "--on-behalf-of")
        deliverables = self._deliverables(step, request.deliverables)
        at = self._moment(request.at)
        if request.force and not request.force_reason.strip():
            raise Refusal(INVALID, "强制报送必须写明原因（--reason）", "--force needs --reason")
        if request.force and request.by != "office":
            raise Refusal(FORBIDDEN, "只有领导小组办公室可以强制报送（--by office --on-behalf-of 责任单位）",
                          "only the office may force a check-in (--by office --on-behalf-of OWNER)")
        event = CheckIn(step.id, request.by, at, deliverables, request.note, request.on_behalf_of)
        self._check(event)
        # Judge the rules before taking the write lock (and before any file is copied into the archive);
        # under the lock only what can have changed since is looked at again.
        judged = None if request.force else self._prejudge(event)
        stored = self._archive(request.files)
        return self._write(lambda session, facts: self._apply_checkin(session, facts, event, stored,
                                                                      request.force, request.force_reason, judged),
                           judged=judged)

    def review(self, request: ReviewRequest) -> Outcome:
        """Record the office's review, or raise :class:`Refusal`."""
        step = self._step(request.step)
        self._bureau(request.by, "--by")
        if request.decision not in ("accept", "return"):
            raise Refusal(INVALID, "审核结论只能是 accept（通过）或 return（退回）", "decision is accept or return")
        chosen = self._deliverables(step, request.deliverables) if request.deliverables else ()
        at = self._moment(request.at)
        event = Review(step.id, request.by, at, request.decision, chosen or tuple(d.id for d in step.deliverables),  # type: ignore[arg-type]
                       request.reason, request.resubmit_by)
        self._check(event)
        return self._write(lambda session, facts: self._apply_review(session, facts, event, explicit=bool(chosen)))

    def import_events(self, items: Sequence[ImportItem]) -> Outcome:
        """Record a whole history in one transaction: every event, value and case, or none of them.

        Values and cases are written as ``indicator record`` and ``case add`` write them, under the
        same rules (none dated after today); one already recorded (the same file again) is not written twice.
        """
        ordered = sorted(items, key=lambda item: item.event.at)
        today = self.now().astimezone(SHANGHAI).date()
        for item in ordered:  # the plan's rules first, before any file is copied into the archive
            with _at_line(item.line):
                if isinstance(item.event, Task | TaskClose):
                    self._check_task(item.event)
                elif isinstance(item.event, Value | Case):
                    self._check_contribution(item.event, today)
                else:
                    self._check(item.event)
        stored = {id(item): self._archive(item.files) for item in ordered}

        def apply_all(session: Session, facts: list[Fact]) -> Outcome:
            total = Outcome()
            for item in ordered:
                with _at_line(item.line):
                    if isinstance(item.event, Task | TaskClose):
                        part = self._apply_task(session, item.event)
                    elif isinstance(item.event, Value | Case):
                        part = self._apply_contribution(session, facts, item.event, stored[id(item)])
                    elif isinstance(item.event, CheckIn):
                        part = self._apply_checkin(session, facts, item.event, stored[id(item)], False, "")
                    elif isinstance(item.event, Review):
                        part = self._apply_review(session, facts, item.event, explicit=True)
                    elif isinstance(item.event, Ack):
                        part = self._apply_ack(session, facts, item.event)
                    elif isinstance(item.event, ProgressReport):
                        part = self._apply_progress(session, facts, item.event, stored[id(item)])
                    else:
                        part = self._apply_extension(session, facts, item.event)
                total.created += part.created
                total.existing += part.existing
            return total

        return self._write(apply_all, action="import")

    def acknowledge(self, request: AckRequest) -> Outcome:
        """Record 签收 of an opened step by one of its bureaus; the same bureau again changes nothing."""
        step = self._step(request.step)
        self._bureau(request.by, "--by")
        if request.on_behalf_of is not None:
            self._bureau(request.on_behalf_of, "--on-behalf-of")
        event = Ack(step.id, request.by, self._moment(request.at), request.on_behalf_of)
        self._check(event)
        return self._write(lambda session, facts: self._apply_ack(session, facts, event))

    def request_extension(self, request: ExtensionRequest) -> dict[str, Any]:
        """Record a bureau's 延期申请 for its open, returned, blocked or overdue step; the office decides it."""
        step = self._step(request.step)
        self._bureau(request.by, "--by")
        if request.on_behalf_of is not None:
            self._bureau(request.on_behalf_of, "--on-behalf-of")
        at = self._moment(request.at)
        self._check(Ack(step.id, request.by, at, request.on_behalf_of))  # the same owner rules as 签收
        reason = _reason(request.reason, "延期申请")
        bureau = request.on_behalf_of or request.by
        # A 配合单位 asks its lead, not the office: the lead asks the office for the whole step.
        to_lead = step.completion == "lead" and len(step.owners) > 1 and bureau != step.lead

        def apply(session: Session, facts: list[Fact]) -> Outcome:
            due = self._extendable(facts, step.id, at, request.to)
            pending = repo.pending_extension(session=session, plan_id=self.plan.id, step_id=step.id, bureau=bureau)
            if pending is not None:
                raise Refusal(FORBIDDEN, f"该步骤已有待审批的延期申请（第 {pending.id} 号，申请延至 {pending.requested_to}）",
                              f"extension request #{pending.id} for this step is still pending")
            row = ExtensionRow(plan_id=self.plan.id, step_id=step.id, bureau=bureau, requested_to=request.to,
                               reason=reason, requested_at=at, requested_by=self.actor,
                               status="to_lead" if to_lead else "pending", decision_reason="")
            session.add(row)
            session.flush()
            after = repo.extension_dict(row) | {"due_before": due.isoformat()}
            repo.add_audit(session=session, actor=self.actor, action="extension_request", plan_id=self.plan.id,
                           entity="extension", entity_id=f"{step.id}/{row.id}", after=after)
            return Outcome(created=[after])

        return self._write(apply).created[0]

    def decide_extension(self, decision: ExtensionDecision) -> dict[str, Any]:
        """The office approves a pending extension request (the new due holds from now) or denies it with a reason."""
        self._bureau(decision.by, "--by")
        if decision.by != "office":
            raise Refusal(FORBIDDEN, "只有领导小组办公室可以审批延期申请", "only the office decides extension requests")
        if decision.decision not in ("approve", "deny"):
            raise Refusal(INVALID, "审批结论只能是 approve（同意）或 deny（不同意）", "decision is approve or deny")
        at = self._moment(decision.at)
        reason = _reason(decision.reason, "不同意延期") if decision.decision == "deny" else decision.reason.strip()

        def apply(session: Session, facts: list[Fact]) -> Outcome:
            row = repo.lock_extension(session=session, plan_id=self.plan.id, request_id=decision.request_id)
            if row is None:
                raise Refusal(INVALID, f"没有第 {decision.request_id} 号延期申请", f"no extension request #{decision.request_id}")
            if row.status == "to_lead":
                raise Refusal(FORBIDDEN, f"第 {row.id} 号延期申请由配合单位提出，{_EXTENSION_ZH[row.status]}",
                              f"extension request #{row.id} is a contributing bureau's: its lead asks for the whole step")
            if row.status != "pending":
                raise Refusal(FORBIDDEN, f"第 {row.id} 号延期申请已审批（{_EXTENSION_ZH[row.status]}）",
                              f"extension request #{row.id} is already {row.status}")
            before = repo.extension_dict(row)
            to = decision.to or row.requested_to
            if decision.decision == "approve":
                self._extendable(facts, row.step_id, at, to)
                facts.append(Extension(row.step_id, row.bureau, at, to, row.reason))
            row.status = "approved" if decision.decision == "approve" else "denied"
            row.decided_to = to if decision.decision == "approve" else None
            row.decision_reason, row.decided_at, row.decided_by = reason, at, self.actor
            session.flush()
            after = repo.extension_dict(row)
            repo.add_audit(session=session, actor=self.actor, action=f"extension_{row.status}", plan_id=self.plan.id,
                           entity="extension", entity_id=f"{row.step_id}/{row.id}", before=before, after=after)
            return Outcome(created=[after])

        return self._write(apply).created[0]

    def extend(self, step_id: str, to: date, reason: str, by: str = "office", at: datetime | None = None) -> dict[str, Any]:
        """The office extends a step on its own (CLI ``extend``): recorded as an approved request."""
        step = self._step(step_id)
        self._bureau(by, "--by")
        event = Extension(step.id, by, self._moment(at), to, reason.strip())
        self._check(event)
        return self._write(lambda session, facts: self._apply_extension(session, facts, event)).created[0]

    # -- validation ---------------------------------------------------------------------------

    def _step(self, step_id: str) -> Step:
        step = self.plan.steps.get(step_id)
        if step is None and task_number(step_id) is not None:
            raise Refusal(INVALID, f"交办事项“{step_id}”不存在或已由办公室撤销（liangshan task list）",
                          f"no open task {step_id!r} (withdrawn, or never recorded)")
        if step is None:
            near = difflib.get_close_matches(step_id, list(self.plan.steps), n=3, cutoff=0.5)
            hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else ""
            raise Refusal(INVALID, f"计划中没有步骤“{step_id}”{hint}", f"no step {step_id!r} in the plan")
        return step

    def _bureau(self, bureau: str, option: str) -> None:
        if bureau not in self.plan.bureaus:
            near = difflib.get_close_matches(bureau, list(self.plan.bureaus), n=3, cutoff=0.5)
            hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else ""
            raise Refusal(INVALID, f"{option}：未知的单位“{bureau}”{hint}", f"{option}: unknown bureau {bureau!r}")

    def _deliverables(self, step: Step, wanted: tuple[str, ...]) -> tuple[str, ...]:
        known = [d.id for d in step.deliverables]
        for deliverable in wanted:
            if deliverable not in known:
                raise Refusal(INVALID, f"步骤“{step.id}”没有成果“{deliverable}”；可选：{'、'.join(known)}",
                              f"step {step.id} has no deliverable {deliverable!r}; known: {', '.join(known)}")
        return wanted or tuple(known)

    def _moment(self, at: datetime | None) -> datetime:
        return moment_or_refuse(at, self.now())

    def _check(self, event: Fact) -> None:
        problems = check_fact(self.plan, event)
        if problems:
            code = FORBIDDEN if any(p.kind == "forbidden" for p in problems) else INVALID
            not_owner = any(p.kind == "forbidden" and p.field in ("by", "on_behalf_of") for p in problems)
            raise Refusal(code, "；".join(p.zh for p in problems), "; ".join(p.en for p in problems),
                          kind="not_owner" if not_owner else "")

    def _check_contribution(self, item: Contribution, today: date) -> None:
        problems = contribution_problems(self.plan, item, today)
        if problems:
            first = problems[0]
            if first.kind == "forbidden":
                raise Refusal(FORBIDDEN, first.zh, first.en, kind="not_owner")
            raise Refusal(INVALID, first.zh, first.en)

    def _check_task(self, item: Task | TaskClose) -> None:
        """A task of an events file is checked when the file is read; its decision must not be in the future."""
        self._moment(item.at)
        if isinstance(item, Task):
            problems = task_problems(self.plan, item)
            if problems:
                raise Refusal(INVALID, "；".join(p.zh for p in problems), "; ".join(p.en for p in problems))

    def _apply_task(self, session: Session, item: Task | TaskClose) -> Outcome:
        """A 交办事项 (or its withdrawal) of an events file, written under its own number; the same again is left."""
        from db.tasks import write_close, write_task

        if isinstance(item, Task):
            after = write_task(session, self.plan, self.actor, item, task_number(item.id))
        else:
            after = write_close(session, self.plan, self.actor, item)
        row = {"type": "task", **after}
        return Outcome(existing=[row]) if after.get("existing") else Outcome(created=[row])

    def _archive(self, files: Sequence[Path | Upload]) -> list[StoredFile]:
        return archive_or_refuse(self.home, files)

    # -- writing ------------------------------------------------------------------------------

    def _prejudge(self, event: CheckIn) -> Judgement:
        """Refuse a blocked check-in from a read of the facts that takes no write lock.

        Reading every fact and running the engine is most of a check-in's work; doing it here keeps
        SQLite's write lock (one writer at a time for the whole database) for the rows alone.
        """
        with read_session(self.sessions) as session:
            mark = repo.audit_mark(session=session)
            facts = repo.load_all_events(session=session, plan=self.plan)
        self._refuse_if_blocked(facts, event)
        return Judgement(mark, facts, self._upstream(event.step))

    def _upstream(self, step_id: str) -> frozenset[str]:
        """Every step ``step_id`` waits on, directly or through others."""
        found: set[str] = set()
        todo = list(self.plan.steps[step_id].depends_on)
        while todo:
            sid = todo.pop()
            if sid not in found:
                found.add(sid)
                todo.extend(self.plan.steps[sid].depends_on)
        return frozenset(found)

    def _write(self, apply: Callable[[Session, list[Fact]], Outcome], action: str = "",
               judged: Judgement | None = None) -> Outcome:
        """Run ``apply`` in one transaction; a race on an idempotency key is retried once.

        With a judgement made before the transaction, the facts are read again only when something
        that can change it was written since (see :meth:`Judgement.holds`).
        """
        for attempt in range(2):
            try:
                with self._transaction() as session:
                    if judged is not None:
                        judged.held = judged.holds(session, self.plan.id)
                        if judged.held:
                            return apply(session, list(judged.facts))
                    facts = repo.load_all_events(session=session, plan=self.plan)
                    return apply(session, facts)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            version = repo.latest_plan_version(session=session, plan_id=self.plan.id)
            if version is None or version.content_hash != self.plan.content_hash:
                raise Refusal(INVALID, "数据库中没有载入当前计划文件，请先运行 liangshan init",
                              "the database does not hold this plan file: run `liangshan init` first")
            yield session

    def _apply_checkin(self, session: Session, facts: list[Fact], event: CheckIn, stored: list[StoredFile],
                       force: bool, force_reason: str, judged: Judgement | None = None) -> Outcome:
        if force:  # recorded although blocked; the row says so
            unfinished = self.engine.board(Facts(facts), event.day).steps[event.step].blocked_by
        elif judged is not None and judged.held:
            unfinished = ()  # judged before the lock, and nothing it rests on was written since
        else:
            unfinished = self._refuse_if_blocked(facts, event)
        repo.add_evidence(session=session, stored=stored)
        outcome = Outcome()
        submission = str(uuid.uuid4())
        hashes = sorted(f.sha256 for f in stored)
        contribution = is_contribution(self.plan.steps[event.step], event)
        for deliverable in event.deliverables:
            repo.lock_deliverable(session=session, plan_id=self.plan.id, step_id=event.step, deliverable_id=deliverable)
            rounds = repo.return_rounds(session=session, plan_id=self.plan.id, step_id=event.step,
                                        deliverable_id=deliverable, before=event.at)
            basis = [self.plan.id, event.step, deliverable, event.by, event.on_behalf_of or "", str(rounds)]
            basis += hashes if hashes else [event.at.astimezone(UTC).isoformat(), event.note]
            key = hashlib.sha256("\x1f".join(basis).encode()).hexdigest()
            found = session.scalars(select(CheckInRow).where(CheckInRow.idem_key == key)).first()
            if found is not None:
                outcome.existing.append(repo.row_dict(found) | ({"contribution": True} if contribution else {}))
                continue
            row = CheckInRow(
                submission=submission, plan_id=self.plan.id, step_id=event.step, deliverable_id=deliverable,
                bureau=event.by, on_behalf_of=event.on_behalf_of, happened_at=event.at, recorded_at=utcnow(),
                recorded_by=self.actor, note=event.note, forced=bool(force and unfinished), force_reason=force_reason,
                idem_key=key, version=repo.next_version(session=session, plan_id=self.plan.id, step_id=event.step,
                                                        deliverable_id=deliverable),
            )
            session.add(row)
            repo.attach_files(session=session, checkin=row, stored=stored)
            session.flush()
            after = repo.row_dict(row)
            action = "checkin_forced" if row.forced else "checkin"
            if contribution:  # a 配合单位's material on a lead step: the row is the same, its meaning is not
                after["contribution"] = True
                action = "contribution"
            repo.add_audit(session=session, actor=self.actor, action=action,
                           plan_id=self.plan.id, entity="checkin", entity_id=f"{event.step}/{deliverable}", after=after)
            outcome.created.append(after)
        if outcome.created:
            facts.append(CheckIn(event.step, event.by, event.at, tuple(r["deliverable_id"] for r in outcome.created),
                                 event.note, event.on_behalf_of))
        return outcome

    def _refuse_if_blocked(self, facts: list[Fact], event: CheckIn) -> tuple[str, ...]:
        """Refuse (exit 3, kind ``blocked``) a check-in whose upstream steps are not done, naming them."""
        unfinished = self.engine.board(Facts(facts), event.day).steps[event.step].blocked_by
        if unfinished:
            names = "、".join(f"{sid}（{self.plan.steps[sid].title}）" for sid in unfinished)
            raise Refusal(FORBIDDEN, f"步骤“{event.step}”的前置步骤尚未完成：{names}；办公室可用 --force --reason 强制登记",
                          f"{event.step} is blocked by unfinished steps: {', '.join(unfinished)}; "
                          "the office may record it with --force --reason", kind="blocked")
        return unfinished

    def _apply_review(self, session: Session, facts: list[Fact], event: Review, explicit: bool) -> Outcome:
        outcome = Outcome()
        keys = {d: self._review_key(event, d) for d in event.deliverables}
        remaining = []
        for deliverable, key in keys.items():
            found = session.scalars(select(ReviewRow).where(ReviewRow.idem_key == key)).first()
            if found is not None:
                outcome.existing.append(repo.row_dict(found))  # the same review, recorded before
            else:
                remaining.append(deliverable)
        if not remaining:
            return outcome
        checked_in, awaiting = self.engine.deliverables(Facts(facts), event.step, event.day)
        reviewable = awaiting if self.plan.steps[event.step].review and event.decision == "accept" else checked_in
        not_reviewable = [d for d in remaining if d not in reviewable]
        if explicit and not_reviewable:
            raise Refusal(FORBIDDEN, f"这些成果没有待审核的报送：{'、'.join(not_reviewable)}",
                          f"nothing checked in to review for: {', '.join(not_reviewable)}")
        targets = [d for d in remaining if d in reviewable]
        if not targets:
            raise Refusal(FORBIDDEN, f"步骤“{event.step}”没有待审核的成果", f"{event.step} has nothing checked in to review")
        submission = str(uuid.uuid4())
        for deliverable in targets:
            row = ReviewRow(submission=submission, plan_id=self.plan.id, step_id=event.step, deliverable_id=deliverable,
                            reviewer=event.by, decision=event.decision, reason=event.reason,
                            resubmit_by=event.resubmit_by, happened_at=event.at, recorded_at=utcnow(),
                            recorded_by=self.actor, idem_key=keys[deliverable])
            session.add(row)
            session.flush()
            after = repo.row_dict(row)
            repo.add_audit(session=session, actor=self.actor, action=f"review_{event.decision}", plan_id=self.plan.id,
                           entity="review", entity_id=f"{event.step}/{deliverable}", after=after)
            outcome.created.append(after)
        facts.append(Review(event.step, event.by, event.at, event.decision, tuple(targets), event.reason,
                            event.resubmit_by))
        return outcome

    def _apply_ack(self, session: Session, facts: list[Fact], event: Ack) -> Outcome:
        st = self.engine.board(Facts(facts), event.day).steps[event.step]
        if st.status in ("not_open", "done"):
            state = "尚未开放" if st.status == "not_open" else "已完成"
            raise Refusal(FORBIDDEN, f"步骤“{event.step}”{state}，无需签收", f"{event.step} is {st.status}: nothing to acknowledge")
        found = repo.find_ack(session=session, plan_id=self.plan.id, step_id=event.step, bureau=event.bureau)
        if found is not None:
            return Outcome(existing=[repo.ack_dict(found)])
        row = AckRow(plan_id=self.plan.id, step_id=event.step, bureau=event.bureau, acted_by=event.by,
                     happened_at=event.at, recorded_at=utcnow(), recorded_by=self.actor)
        session.add(row)
        session.flush()
        after = repo.ack_dict(row)
        repo.add_audit(session=session, actor=self.actor, action="ack", plan_id=self.plan.id, entity="ack",
                       entity_id=f"{event.step}/{event.bureau}", after=after)
        facts.append(event)
        return Outcome(created=[after])

    def _apply_extension(self, session: Session, facts: list[Fact], event: Extension) -> Outcome:
        """An extension the office grants on its own (CLI, events file): a request approved at once."""
        due = self._extendable(facts, event.step, event.at, event.to)
        row = ExtensionRow(plan_id=self.plan.id, step_id=event.step, bureau=event.by, requested_to=event.to,
                           reason=event.reason, requested_at=event.at, requested_by=self.actor, status="approved",
                           decided_to=event.to, decision_reason=event.reason, decided_at=event.at, decided_by=self.actor)
        session.add(row)
        session.flush()
        after = repo.extension_dict(row) | {"due_before": due.isoformat()}
        repo.add_audit(session=session, actor=self.actor, action="extension_approved", plan_id=self.plan.id,
                       entity="extension", entity_id=f"{event.step}/{row.id}", after=after)
        facts.append(event)
        return Outcome(created=[after])

    def _apply_progress(self, session: Session, facts: list[Fact], event: ProgressReport,
                        stored: list[StoredFile]) -> Outcome:
        """A progress report of an events file, under core.progress's rules as of its day."""
        board = self.engine.board(Facts(facts), event.day)
        problems = check_report(self.plan, self.engine.calendar, event,
                                {sid: st.done_on for sid, st in board.steps.items()})
        if problems:
            code = FORBIDDEN if any(p.kind == "forbidden" for p in problems) else INVALID
            raise Refusal(code, "；".join(p.zh for p in problems), "; ".join(p.en for p in problems))
        after = {"type": "progress", **write_report(session, self.plan, self.actor, event, stored)}
        if after.pop("existing", False):
            return Outcome(existing=[after])
        facts.append(event)
        return Outcome(created=[after])

    def _extendable(self, facts: list[Fact], step_id: str, at: datetime, to: date) -> date:
        """The step's current due date, when it may be extended to ``to`` on ``at``'s day; else a Refusal."""
        day = Extension(step_id, "office", at, to).day
        known = Facts(facts)
        st = self.engine.board(known, day).steps[step_id]
        if st.status in ("done", "submitted", "not_open"):
            state = {"done": "已完成", "submitted": "已报送待审核", "not_open": "尚未开放"}[st.status]
            raise Refusal(FORBIDDEN, f"步骤“{step_id}”{state}，不能申请延期", f"{step_id} is {st.status}: it cannot be extended")
        if to <= st.due:
            raise Refusal(INVALID, f"新的截止日期 {to} 应晚于当前截止日期 {st.due}", f"{to} is not after the current due {st.due}")
        last = max(p.window.due for p in self.plan.phases)
        if to > last.replace(year=last.year + 1):
            raise Refusal(INVALID, f"新的截止日期 {to} 超出计划结束（{last}）一年以上",
                          f"{to} is more than a year after the plan ends")
        return st.due

    def _apply_contribution(self, session: Session, facts: list[Fact], item: Contribution,
                            stored: list[StoredFile]) -> Outcome:
        """A value or a case, written as its command writes it (the same one again: left as it is)."""
        from db.indicators import ValueRequest, write_value
        from db.library import CaseRequest, write_case

        if isinstance(item, Value):
            rows = session.scalars(select(IndicatorValueRow).where(
                IndicatorValueRow.plan_id == self.plan.id, IndicatorValueRow.indicator_id == item.indicator,
                IndicatorValueRow.year == item.year, IndicatorValueRow.bureau == item.by))
            found = next((r for r in rows if r.happened_at == item.at and r.value == item.value
                          and r.source == item.source), None)
            if found is not None:
                return Outcome(existing=[{"type": "value", "indicator": found.indicator_id, "year": found.year,
                                          "value": found.value, "unit": found.unit, "bureau": found.bureau}])
            indicator = next(i for i in self.plan.indicators if i.id == item.indicator)
            request = ValueRequest(item.indicator, item.year, item.value, item.by, item.unit, item.source, at=item.at)
            after = {"type": "value", **write_value(session, self.plan, self.actor, indicator, request, stored)}
        else:
            cases = session.scalars(select(CaseRow).where(
                CaseRow.plan_id == self.plan.id, CaseRow.theme_id == item.theme, CaseRow.year == item.year,
                CaseRow.bureau == item.by, CaseRow.title == item.title.strip()))
            same = next((r for r in cases if r.happened_at == item.at), None)
            if same is not None:
                return Outcome(existing=[{"type": "case", "id": same.id, "theme": same.theme_id, "bureau": same.bureau,
                                          "title": same.title, "year": same.year}])
            request_case = CaseRequest(item.theme, item.by, item.title, item.year, item.text, at=item.at)
            after = {"type": "case", **write_case(session, self.plan, self.actor, item.theme, request_case, stored)}
        facts.extend(collected_events(self.plan, [item]))  # later events see the collecting step it closes
        return Outcome(created=[after])

    def _review_key(self, event: Review, deliverable: str) -> str:
        basis = [self.plan.id, event.step, deliverable, event.decision, event.at.astimezone(UTC).isoformat(), event.reason]
        return hashlib.sha256("\x1f".join(basis).encode()).hexdigest()


@contextmanager
def _at_line(line: int) -> Iterator[None]:
    """A refusal raised inside names the events file's line."""
    try:
        yield
    except Refusal as exc:
        where = f"第 {line} 行 " if line else ""
        raise Refusal(exc.code, f"{where}{exc.zh}", f"line {line}: {exc.en}", exc.kind) from exc


_EXTENSION_ZH = {"pending": "待审批", "approved": "已同意", "denied": "不同意", "to_lead": "已交牵头单位，由牵头单位向办公室申请"}
_REASON_MAX = 2000


def _reason(text: str, what: str) -> str:
    """A required reason, stripped; refused when empty or longer than a page."""
    reason = text.strip()
    if not reason:
        raise Refusal(INVALID, f"{what}必须写明原因（--reason）", "a reason is required (--reason)")
    if len(reason) > _REASON_MAX:
        raise Refusal(INVALID, f"原因不能超过 {_REASON_MAX} 字", f"the reason is longer than {_REASON_MAX} characters")
    return reason
