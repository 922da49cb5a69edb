"""The contact list in the database: import a checked list in one transaction, list, remove.

People are personal data: the audit trail names a person by name and bureau only, never a mobile
number, an e-mail address or a WeCom userid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.links import Grant, sign
from core.people import FIELD_ZH, Person, RowProblem, mask_mobile, person_label
from db import repo
from db.models import PersonRow, utcnow
from db.portal import MAX_LINK_DAYS, PortalLink, current_generation
from db.refusals import INVALID, Refusal

__all__ = [
    "ImportReport",
    "PeopleRefusal",
    "PersonGrant",
    "get_person",
    "import_people",
    "issue_person_link",
    "list_people",
    "person_by_userid",
    "person_dict",
    "person_grant",
    "person_of",
    "record_wecom_problems",
    "remove_person",
    "revoke_person_links",
    "session_bureau",
    "wecom_problems",
    "wecom_userids",
]


class PeopleRefusal(Refusal):
    """An import refused as a whole: every problem, each naming its row and column; nothing was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(INVALID, f"通讯录有 {len(problems)} 处问题", f"the contact list has {len(problems)} problem(s)")
        self.problems = problems


@dataclass(slots=True)
class ImportReport:
    """What an import changed: people added, people updated (with the fields that changed), people unchanged,
    and people of the database the file did not name (kept; ``people remove`` removes them)."""

    created: list[Person] = field(default_factory=list)
    updated: list[tuple[Person, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    absent: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return bool(self.created or self.updated)


def person_of(row: PersonRow) -> Person:
    """The row as the contact list's rules see it."""
    return Person(row.bureau, row.name, row.role, row.wecom_userid or "", row.mobile, row.email)


def import_people(sessions: sessionmaker[Session], *, plan_id: str, people: Sequence[tuple[int, Person]],
                  actor: str) -> ImportReport:
    """Add or update (by bureau and 姓名) every person of a checked list, all in one transaction.

    Raises:
        PeopleRefusal: a WeCom userid already belongs to another person of the database (exit 2).
    """
    report = ImportReport()
    with sessions.begin() as session:
        rows = {(r.bureau, r.name): r for r in session.scalars(select(PersonRow).where(PersonRow.plan_id == plan_id))}
        named = {(p.bureau, p.name) for _, p in people}
        owners = {r.wecom_userid.lower(): r for r in rows.values() if r.wecom_userid}
        problems = []
        for number, person in people:
            # A userid may move between people of the file; it may not take one kept by someone the file leaves out.
            holder = owners.get(person.wecom_userid.lower()) if person.wecom_userid else None
            if holder is not None and (holder.bureau, holder.name) not in named:
                problems.append(RowProblem(number, "企业微信账号",
                                           f"企业微信账号“{person.wecom_userid}”已登记给 "
                                           f"{holder.name}（{holder.bureau}，编号 {holder.id}）",
                                           "the userid already belongs to another person"))
        if problems:
            raise PeopleRefusal(problems)
        now = utcnow()
        pending = []
        for _, person in people:
            row = rows.get((person.bureau, person.name))
            if row is None:
                pending.append(PersonRow(plan_id=plan_id, bureau=person.bureau, name=person.name, role=person.role,
                                         wecom_userid=person.wecom_userid or None, mobile=person.mobile,
                                         email=person.email, link_generation=0, wecom_problem="",
                                         created_at=now, updated_at=now))
                report.created.append(person)
                continue
            differs = person_of(row).changes(person)
            if not differs:
                report.unchanged += 1
                continue
            if "wecom_userid" in differs:
                row.wecom_userid = None  # freed first, so two people may swap userids in one file
                row.wecom_problem, row.wecom_problem_at = "", None
            report.updated.append((person, differs))
        session.flush()
        for person, _ in report.updated:
            row = rows[(person.bureau, person.name)]
            row.role, row.mobile, row.email = person.role, person.mobile, person.email
            row.wecom_userid = person.wecom_userid or None
            row.updated_at = now
        session.add_all(pending)
        report.absent = [f"{r.name}（{r.bureau}）" for key, r in rows.items() if key not in named]
        if report.changed:
            repo.add_audit(session=session, actor=actor, action="people_import", plan_id=plan_id, entity="people",
                           entity_id="import", after={
                               "created": [f"{p.name}（{p.bureau}）" for p in report.created],
                               "updated": {f"{p.name}（{p.bureau}）": [FIELD_ZH[f] for f in changed]
                                           for p, changed in report.updated},
                           })
    return report


def person_dict(row: PersonRow, *, full_mobile: bool = False) -> dict[str, Any]:
    """A person for output: the mobile number masked unless ``full_mobile`` (the office's own people page)."""
    return {"id": row.id, "bureau": row.bureau, "name": row.name, "role": row.role, "wecom_userid": row.wecom_userid or "",
            "mobile": row.mobile if full_mobile else mask_mobile(row.mobile), "email": row.email,
            "wecom_problem": row.wecom_problem}


def list_people(*, session: Session, plan_id: str, bureau: str | None = None) -> list[dict[str, Any]]:
    """The contact list (of one bureau, or all), by bureau then id, mobile numbers masked."""
    query = select(PersonRow).where(PersonRow.plan_id == plan_id).order_by(PersonRow.bureau, PersonRow.id)
    if bureau is not None:
        query = query.where(PersonRow.bureau == bureau)
    return [person_dict(row) for row in session.scalars(query)]


def get_person(*, session: Session, plan_id: str, person_id: int) -> PersonRow | None:
    """The person with this id on the plan's list, or None."""
    row = session.get(PersonRow, person_id)
    return row if row is not None and row.plan_id == plan_id else None


def remove_person(sessions: sessionmaker[Session], *, plan_id: str, person_id: int, actor: str) -> dict[str, Any]:
    """Remove a person from the list; their links and sessions stop working with the row.

    Raises:
        Refusal: no person has this id (exit 2).
    """
    with sessions.begin() as session:
        row = get_person(session=session, plan_id=plan_id, person_id=person_id)
        if row is None:
            raise Refusal(INVALID, f"通讯录中没有编号为 {person_id} 的人（liangshan people list 查看编号）",
                          f"no person with id {person_id}")
        gone = person_dict(row)
        session.delete(row)
        repo.add_audit(session=session, actor=actor, action="people_remove", plan_id=plan_id, entity="people",
                       entity_id=str(person_id), after={"name": gone["name"], "bureau": gone["bureau"]})
    return gone


def session_bureau(row: PersonRow) -> str:
    """The bureau a person's session acts for: the office's pages for 角色 办公室, else the person's bureau."""
    return "office" if row.role == "办公室" else row.bureau


@dataclass(frozen=True, slots=True)
class PersonGrant:
    """What a person's session may do right now: act for ``bureau``, named ``label`` in the history."""

    person_id: int
    bureau: str
    link_generation: int
    label: str


def person_grant(*, session: Session, plan_id: str, person_id: int, bureau_names: dict[str, str]) -> PersonGrant | None:
    """The person's current standing (None when removed): checked against a token on every request."""
    row = get_person(session=session, plan_id=plan_id, person_id=person_id)
    if row is None:
        return None
    label = person_label(row.name, bureau_names.get(row.bureau, row.bureau), row.role)[:100]
    return PersonGrant(row.id, session_bureau(row), row.link_generation, label)


def issue_person_link(sessions: sessionmaker[Session], *, plan_id: str, person_id: int, days: int, key: str,
                      base_url: str, actor: str, now: datetime | None = None) -> tuple[PersonRow, PortalLink]:
    """Sign a link for one person, valid ``days`` days: (the person, the PortalLink). The trail notes it, never the link.

    Raises:
        Refusal: no such person, or ``days`` outside 1..366 (exit 2).
    """
    if not 1 <= days <= MAX_LINK_DAYS:
        raise Refusal(INVALID, f"链接有效天数应为 1-{MAX_LINK_DAYS}", f"--days must be 1..{MAX_LINK_DAYS}")
    moment = now or utcnow()
    expires = (moment + timedelta(days=days)).replace(microsecond=0)
    with sessions.begin() as session:
        row = get_person(session=session, plan_id=plan_id, person_id=person_id)
        if row is None:
            raise Refusal(INVALID, f"通讯录中没有编号为 {person_id} 的人（liangshan people list 查看编号）",
                          f"no person with id {person_id}")
        bureau = session_bureau(row)
        generation = current_generation(session=session, plan_id=plan_id, bureau=bureau)
        repo.add_audit(session=session, actor=actor, action="person_link_issue", plan_id=plan_id, entity="people",
                       entity_id=str(person_id), after={"name": row.name, "bureau": row.bureau, "days": days})
        session.expunge(row)
    token = sign(key, Grant(plan_id, bureau, generation, expires, row.id, row.link_generation))
    return row, PortalLink(bureau, f"{base_url.rstrip('/')}/b/{token}", expires, token)


def revoke_person_links(sessions: sessionmaker[Session], *, plan_id: str, person_id: int, actor: str) -> PersonRow:
    """End every link and session of one person; the bureau's link and its other people keep working.

    Raises:
        Refusal: no such person (exit 2).
    """
    with sessions.begin() as session:
        row = get_person(session=session, plan_id=plan_id, person_id=person_id)
        if row is None:
            raise Refusal(INVALID, f"通讯录中没有编号为 {person_id} 的人", f"no person with id {person_id}")
        row.link_generation += 1
        row.updated_at = utcnow()
        repo.add_audit(session=session, actor=actor, action="person_link_revoke", plan_id=plan_id, entity="people",
                       entity_id=str(person_id), after={"name": row.name, "bureau": row.bureau,
                                                        "generation": row.link_generation})
        session.flush()
        session.expunge(row)
    return row


def wecom_userids(*, session: Session, plan_id: str, bureau: str, leaders_too: bool) -> list[str]:
    """The WeCom userids a bureau's reminder goes to: its 经办人, and its 分管领导 when ``leaders_too``."""
    roles = ("经办人", "分管领导") if leaders_too else ("经办人",)
    return list(session.scalars(select(PersonRow.wecom_userid).where(
        PersonRow.plan_id == plan_id, PersonRow.bureau == bureau, PersonRow.role.in_(roles),
        PersonRow.wecom_userid.is_not(None)).order_by(PersonRow.id)))


def record_wecom_problems(sessions: sessionmaker[Session], *, plan_id: str, sent_to: Sequence[str],
                          problems: dict[str, str]) -> None:
    """Note what WeCom said of each userid a message went to: its problem (``invaliduser``, ``unlicenseduser``), or
    none any more; ``people list`` and the office see them."""
    if not sent_to:
        return
    now = utcnow()
    with sessions.begin() as session:
        for row in session.scalars(select(PersonRow).where(PersonRow.plan_id == plan_id,
                                                           PersonRow.wecom_userid.in_(list(sent_to)))):
            problem = problems.get(row.wecom_userid or "", "")
            if problem != row.wecom_problem:
                row.wecom_problem, row.wecom_problem_at = problem, now if problem else None


def person_by_userid(*, session: Session, plan_id: str, userid: str) -> PersonRow | None:
    """The person of the plan's list with this WeCom userid (WeCom compares userids without case), or None."""
    return session.scalars(select(PersonRow).where(PersonRow.plan_id == plan_id,
                                                   func.lower(PersonRow.wecom_userid) == userid.lower())).first()


def wecom_problems(*, session: Session, plan_id: str) -> list[tuple[str, str, str]]:
    """(name, bureau, problem) of each person WeCom last refused a message for, by bureau then name."""
    return [(r.name, r.bureau, r.wecom_problem) for r in session.scalars(
        select(PersonRow).where(PersonRow.plan_id == plan_id, PersonRow.wecom_problem != "")
        .order_by(PersonRow.bureau, PersonRow.name))]
