"""SQLAlchemy models of the facts. Migrations in ``db/migrations`` create them; nothing else does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AckRow",
    "AuditEntry",
    "Base",
    "CaseRow",
    "CheckInFile",
    "CheckInRow",
    "DeliveryAttempt",
    "EvidenceFile",
    "ExtensionRow",
    "IndicatorValueFile",
    "IndicatorValueRow",
    "OutboxItem",
    "OutboxMessage",
    "PersonRow",
    "PlanVersion",
    "PortalGrant",
    "ProgressReportRow",
    "ProjectRow",
    "RecordFile",
    "ReviewRow",
    "TaskRow",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC: the only clock the database records."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored as UTC; SQLite's naive values come back as UTC too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: facts are recorded with a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention Alembic relies on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), date: Date(), dict[str, Any]: JSON(), list[str]: JSON(),
    }


class PlanVersion(Base):
    """A plan file as it was loaded, by content hash; the newest row is the plan in force."""

    __tablename__ = "plan_versions"
    # Not unique: going back to an earlier file loads it again as a new row.
    __table_args__ = (Index(None, "plan_id", "content_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    yaml_text: Mapped[str] = mapped_column(Text)
    step_ids: Mapped[list[str]]
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(100))


class EvidenceFile(Base):
    """A file in the content-addressed archive, named by its SHA-256."""

    __tablename__ = "evidence_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckInRow(Base):
    """One deliverable checked in (报送). Rows of one act share ``submission``."""

    __tablename__ = "checkins"
    __table_args__ = (Index(None, "plan_id", "step_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission: Mapped[str] = mapped_column(String(36))
    plan_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(200))
    deliverable_id: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(50))
    on_behalf_of: Mapped[str | None] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer, default=1)
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    force_reason: Mapped[str] = mapped_column(Text, default="")
    # Same step, deliverable, bureau and files (or same moment and note when there are no files)
    # in the same review round: the same fact, recorded once even when two processes race.
    idem_key: Mapped[str] = mapped_column(String(64), unique=True)

    files: Mapped[list[CheckInFile]] = relationship(back_populates="checkin", order_by="CheckInFile.id")


class CheckInFile(Base):
    """An evidence file attached to a check-in, with the name it had when checked in."""

    __tablename__ = "checkin_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_files.sha256"))
    original_name: Mapped[str] = mapped_column(String(500))

    checkin: Mapped[CheckInRow] = relationship(back_populates="files")
    evidence: Mapped[EvidenceFile] = relationship()


class ReviewRow(Base):
    """The office's decision on one checked-in deliverable: accept, or return (退回) with a reason."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("decision IN ('accept', 'return')", name="decision"),
        Index(None, "plan_id", "step_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission: Mapped[str] = mapped_column(String(36))
    plan_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(200))
    deliverable_id: Mapped[str] = mapped_column(String(100))
    reviewer: Mapped[str] = mapped_column(String(50))
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    resubmit_by: Mapped[date | None]
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    idem_key: Mapped[str] = mapped_column(String(64), unique=True)


class AuditEntry(Base):
    """Append-only trail of every change: who, what, when, before and after (triggers refuse edits)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    plan_id: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class OutboxMessage(Base):
    """A message to one recipient, stored before it is sent; sent at most once, retried on failure."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'no_channel', 'dead')", name="status"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    day: Mapped[date]
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Files to send with the message: paths relative to LIANGSHAN_HOME, under reports/ (never absolute);
    # every try sends the same ones, and a file gone by then is left out and said so in the body.
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)

    items: Mapped[list[OutboxItem]] = relationship(back_populates="message", order_by="OutboxItem.id")


class OutboxItem(Base):
    """One fact carried by a message; its dedupe key is unique, so no fact is ever said twice."""

    __tablename__ = "outbox_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    step_id: Mapped[str | None] = mapped_column(String(200))
    # 已读: the first open of the item (its step on the bureau's page) after the message was sent, and by whom.
    read_at: Mapped[datetime | None]
    read_by: Mapped[str | None] = mapped_column(String(100))

    message: Mapped[OutboxMessage] = relationship(back_populates="items")


class DeliveryAttempt(Base):
    """One try at sending a message: per service, what apprise (or the WeCom API) answered, redacted."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    results: Mapped[list[str]]


class IndicatorValueRow(Base):
    """A year's value of an indicator (附件1) as reported by a bureau; the newest row of a year counts."""

    __tablename__ = "indicator_values"
    __table_args__ = (Index(None, "plan_id", "indicator_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    indicator_id: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float]
    unit: Mapped[str] = mapped_column(String(50))
    assigned_target: Mapped[float | None]
    source: Mapped[str] = mapped_column(Text, default="")
    bureau: Mapped[str] = mapped_column(String(50))
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))

    files: Mapped[list[IndicatorValueFile]] = relationship(order_by="IndicatorValueFile.id")


class IndicatorValueFile(Base):
    """Evidence for an indicator value (a document, a certificate), in the evidence archive."""

    __tablename__ = "indicator_value_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("indicator_values.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_files.sha256"))
    original_name: Mapped[str] = mapped_column(String(500))


class CaseRow(Base):
    """A typical case (附件2) contributed by a bureau under a theme: 图文并茂, as many as there are."""

    __tablename__ = "cases"
    __table_args__ = (Index(None, "plan_id", "theme_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    theme_id: Mapped[str] = mapped_column(String(20))
    bureau: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int] = mapped_column(Integer)
    happened_at: Mapped[datetime] = mapped_column(default=utcnow)  # contributed; closes cases.<theme>.<year>
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ProjectRow(Base):
    """A project of the project library (项目库): owner, year, planned and actual investment in 万元."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(500))
    bureau: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    planned: Mapped[float]
    actual: Mapped[float] = mapped_column(default=0.0)
    funding_source: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordFile(Base):
    """Evidence attached to a case or a project (pictures, reports), in the evidence archive."""

    __tablename__ = "record_files"
    __table_args__ = (Index(None, "kind", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_files.sha256"))
    original_name: Mapped[str] = mapped_column(String(500))


class AckRow(Base):
    """签收: a bureau (``bureau``, an owner) has seen a newly opened step. One row per bureau and step."""

    __tablename__ = "acks"
    __table_args__ = (UniqueConstraint("plan_id", "step_id", "bureau"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(50))
    acted_by: Mapped[str] = mapped_column(String(50))  # the bureau itself, or the office acting for it
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ExtensionRow(Base):
    """延期申请 and its decision: a bureau asks for a new due date; the office approves (with the date) or denies.

    Approved rows move the step's effective due date from ``decided_at`` on; the request and the
    decision stay side by side, so the history keeps both.
    """

    __tablename__ = "extensions"
    __table_args__ = (
        # to_lead: a 配合单位's request on a lead step, shown to its lead (who asks the office for the whole step)
        CheckConstraint("status IN ('pending', 'approved', 'denied', 'to_lead')", name="status"),
        Index(None, "plan_id", "step_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(50))
    requested_to: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_to: Mapped[date | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))


class PortalGrant(Base):
    """The portal's link ledger for a bureau: each link issued (with its expiry), and each revocation.

    A bureau's link generation is the number of its revocations: a link or session signed with an
    older generation stops working at once. Append-only, like the audit trail.
    """

    __tablename__ = "portal_grants"
    __table_args__ = (
        CheckConstraint("kind IN ('issued', 'revoked')", name="kind"),
        Index(None, "plan_id", "bureau"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    generation: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))


class ProgressReportRow(Base):
    """进展报送: a bureau's progress report on a long step for one period; a later version supersedes it.

    Files are :class:`RecordFile` rows of kind ``progress``.
    """

    __tablename__ = "progress_reports"
    __table_args__ = (
        UniqueConstraint("plan_id", "step_id", "bureau", "period", "version"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent"),
        Index(None, "plan_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int | None] = mapped_column(Integer)
    problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    # The same report again (step, bureau, period, moment, text): recorded once, even from two imports.
    idem_key: Mapped[str] = mapped_column(String(64), unique=True)


class TaskRow(Base):
    """交办事项: a meeting's 议定事项 or a leader's 批示, tracked as the step ``task.<number>`` (see core.tasks).

    ``source`` is the meeting's step id, or 批示 with ``ref`` (the 文号); ``due_text`` keeps the words the
    office wrote (2027年1月底) beside the date they mean. A withdrawn task keeps its row, with ``closed_*`` set.
    """

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    owners: Mapped[list[str]]
    due: Mapped[date]
    due_text: Mapped[str] = mapped_column(String(100), default="")
    deliverable: Mapped[str] = mapped_column(String(200))
    review: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(200), default="")
    happened_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
    close_reason: Mapped[str] = mapped_column(Text, default="")


class PersonRow(Base):
    """A person of a bureau on the office's contact list (通讯录): personal data, never in git, logs or artifacts.

    ``link_generation`` counts the revocations of the person's own links, as ``portal_grants`` does for a
    bureau; ``wecom_problem`` is what WeCom last said of the userid (``invaliduser``, ``unlicenseduser``).
    """

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("plan_id", "bureau", "name"),
        UniqueConstraint("plan_id", "wecom_userid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    wecom_userid: Mapped[str | None] = mapped_column(String(64))
    mobile: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    link_generation: Mapped[int] = mapped_column(Integer, default=0)
    wecom_problem: Mapped[str] = mapped_column(String(50), default="")
    wecom_problem_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
