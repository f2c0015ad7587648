"""Every table of the store, in one module (the SQLModel docs' advice).

Times are stored UTC-aware. Phone numbers are stored as E.164 with the extension apart.
The prospect row carries a few denormalised queue fields (`queue_rank`, `queue_due_at`,
`last_attempt_at`, `attempts`) so that the queue is one indexed SQL query, not a Python loop
over every prospect; `store.repo` keeps them up to date whenever a touch or follow-up changes.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Text, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from dialer_tui.clock import system_now

SCHEMA_VERSION = 11


def utcnow() -> datetime:
    return system_now()


class UTCDateTime(TypeDecorator):
    """Stores UTC, always returns aware datetimes.

    SQLite has no time zone type: SQLAlchemy would hand back naive values. Storing every instant
    as UTC keeps the text column sortable and comparable, and lets both backends agree."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC-aware times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _ts(**kw) -> Field:  # type: ignore[valid-type]
    """A timezone-aware timestamp column."""
    nullable = kw.pop("nullable", True)
    index = kw.pop("index", False)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kw)


# Prospect status values. Terminal ones leave the queue until `recycle_at`.
STATUS_NEW = "new"
STATUS_WORKING = "working"
STATUS_MEETING = "meeting_booked"
STATUS_NOT_INTERESTED = "not_interested"
STATUS_DNC = "do_not_call"
STATUS_UNRESPONSIVE = "unresponsive"
STATUS_REFERRED = "referred"
TERMINAL_STATUSES = (STATUS_MEETING, STATUS_NOT_INTERESTED, STATUS_DNC, STATUS_UNRESPONSIVE,
                     STATUS_REFERRED)

# Queue ranks: lower is called first (docs/product-rules.md, *Queue order*).
RANK_CALLBACK = 0
RANK_PROMISED = 1
RANK_CADENCE = 2
RANK_NEW = 3
RANK_OUT = 9  # terminal or finished: not queued until recycle_at
RANK_NAMES = {RANK_CALLBACK: "callback", RANK_PROMISED: "promised", RANK_CADENCE: "cadence",
              RANK_NEW: "new", RANK_OUT: "recycled"}
# The queue rank a follow-up of each kind gives its prospect.
RANK_OF_KIND = {"callback": RANK_CALLBACK, "promise": RANK_PROMISED, "cadence": RANK_CADENCE}


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


# The prospect row's version: the ORM adds `AND version = <as read>` to every UPDATE it makes of
# the row and increments it (SQLAlchemy's version_id_col), so a write built on a stale read fails
# instead of overwriting another rep's; the importer's merges increment it too. Leases (claims,
# renewals, releases) do not: a queue entry carries the version it was read at
# (QueueItem.version) and a claim is refused when the prospect has changed since.
_VERSION = Column("version", Integer, nullable=False, default=0, server_default=text("0"))


class Prospect(SQLModel, table=True):
    __tablename__ = "prospect"
    __mapper_args__ = {"version_id_col": _VERSION}
    __table_args__ = (
        # The queue's order: rank, then priority (high first), then longest waiting.
        Index("ix_prospect_queue", "queue_rank", text("priority DESC"), "queue_due_at"),
        # The queue in each owner's lane (queue_owner: "" for anyone): a named rep's queue is
        # the "" range and their own merged, never a walk past other reps' callbacks
        # (services.queue_candidates._Lanes; schema v9).
        Index("ix_prospect_queue_lane", "queue_owner", "queue_rank", text("priority DESC"),
              "queue_due_at", "id"),
        Index("ix_prospect_email", "email_key"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    company: str = ""
    industry: str = ""
    city: str = ""
    region: str = ""  # state / province / county, as given (e.g. "FL", "Ontario")
    country: str = ""  # ISO 3166 alpha-2 when known
    time_zone: str = ""  # explicit IANA zone, overrides the address
    email: str = ""
    email_key: str = ""  # lower-cased email for dedupe and lookup
    linkedin_url: str = ""
    referrer_name: str = ""
    referrer_company: str = ""
    referrer_prospect_id: Optional[int] = Field(default=None, foreign_key="prospect.id")
    assistant_name: str = ""
    preferred_channel: str = ""
    research_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = STATUS_NEW
    priority: int = 0  # higher is called first among new prospects
    owner: str = ""
    source: str = ""
    custom_fields: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    # Whom the line reaches: "business", "consumer", or "" (not said: the setting default_line
    # decides at the moment of judging, so changing the setting re-reads every such prospect).
    # Rules for consumers (Germany's UWG 7, France's opt-in) judge by it.
    line: str = Field(default="", sa_column=Column(
        "line", String(), nullable=False, default="", server_default=text("''")))
    # The person's consent to be called, as recorded: on what basis ("opt-in form", "asked at
    # the fair"), on which day, and where the record is. A rule that requires consent is
    # satisfied by a basis and a date; neither is checked for truth here.
    consent_basis: str = Field(default="", sa_column=Column(
        "consent_basis", String(), nullable=False, default="", server_default=text("''")))
    consent_date: Optional[date] = Field(default=None, sa_column=Column(
        "consent_date", Date(), nullable=True))
    consent_source: str = Field(default="", sa_column=Column(
        "consent_source", String(), nullable=False, default="", server_default=text("''")))
    # lower-cased "first last company" for search. A substring match cannot seek in an index,
    # but it scans this narrow one (SQLite reads it as a covering index) instead of the wide
    # prospect rows: name lookup 31 ms -> ~20 ms at 100k prospects (repo.search).
    name_key: str = Field(default="", index=True)
    created_at: datetime = _ts(nullable=False, default_factory=utcnow)
    updated_at: datetime = _ts(nullable=False, default_factory=utcnow)
    recycle_at: Optional[datetime] = _ts(default=None)
    # Denormalised queue state (see module docstring).
    queue_rank: int = RANK_NEW
    queue_due_at: Optional[datetime] = _ts(default=None)
    first_touch_at: Optional[datetime] = _ts(default=None)
    last_attempt_at: Optional[datetime] = _ts(default=None)
    attempts: int = 0
    cadence_step: int = 0  # index of the next cadence step
    # With queue_rank callback: the rep that callback was asked of ("" for anyone); always ""
    # at any other rank (repo.refresh_queue_state, the only writer, keeps that). The queue of a
    # named rep reads the "" lane and theirs (callbacks_mine_only), without a follow-up lookup
    # per row: 3,193 of another rep's due callbacks cost 211 ms read and dropped in Python.
    queue_owner: str = Field(default="", sa_column=Column(
        "queue_owner", String(), nullable=False, default="", server_default=text("''")))
    # Team mode lease.
    claimed_by: str = ""
    claim_expires_at: Optional[datetime] = _ts(default=None, index=True)
    version: int = Field(default=0, sa_column=_VERSION)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PhoneNumber(SQLModel, table=True):
    __tablename__ = "phone_number"
    id: Optional[int] = Field(default=None, primary_key=True)
    prospect_id: int = Field(foreign_key="prospect.id", index=True)
    e164: str = Field(index=True)
    extension: str = ""
    raw: str = ""  # as imported or typed
    kind: str = "office"  # mobile / direct / office / assistant / home
    valid: bool = True
    number_type: str = ""  # phonenumbers' type: mobile, fixed_line, toll_free, ...
    time_zones: str = ""  # candidate IANA zones from phonenumbers, space separated
    do_not_call: bool = False
    bad: bool = False
    note: str = ""  # gatekeeper / phone tree: "press 2, ext 114"
    created_at: datetime = _ts(nullable=False, default_factory=utcnow)


class Touch(SQLModel, table=True):
    __tablename__ = "touch"
    __table_args__ = (Index("ix_touch_prospect_time", "prospect_id", "started_at"),
                      # A queue page's number rotation from the index alone (schema v10).
                      Index("ix_touch_prospect_phone", "prospect_id", "phone_id"),
                      Index("ux_touch_client_id", "client_id", unique=True,
                            sqlite_where=text("client_id != ''"),
                            postgresql_where=text("client_id != ''")))
    id: Optional[int] = Field(default=None, primary_key=True)
    prospect_id: int = Field(foreign_key="prospect.id")
    phone_id: Optional[int] = Field(default=None, foreign_key="phone_number.id")
    phone_e164: str = ""
    channel: str = "call"  # call / voicemail / email / linkedin / letter / visit / text
    outcome: str = ""
    started_at: datetime = _ts(nullable=False, index=True)
    duration_s: Optional[int] = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    counts_attempt: bool = True
    connected: bool = False
    template_id: str = ""
    value_prop_id: str = ""
    objection_id: str = ""
    promised_start: Optional[datetime] = _ts(default=None)
    promised_label: str = ""  # "Thursday morning", in the prospect's time
    rep: str = ""
    # A call the calling-hours gate would have refused: why it was blocked at that instant, and
    # who overrode it and why ("" for a call the rules allowed). Shown in history and exports.
    compliance: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The id the cockpit gave an outcome it had to keep in its local journal (services/journal.py):
    # a replay finds it here and writes nothing twice. "" for every other touch.
    client_id: str = ""
    # Always NULL: the calling_session table it pointed at was never written to and is no longer
    # created (databases from schema v1-v4 keep theirs, with any rows). The column stays so that
    # a database made now still opens in an earlier release at the same schema version.
    session_id: Optional[int] = None
    # What `u` (undo) needs to put back: the prospect's fields before, numbers flagged, entries
    # added. JSON written by services.calling; empty once undone or for imported history.
    undo_state: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


# Follow-up kinds and statuses.
FU_CALLBACK = "callback"
FU_PROMISE = "promise"
FU_CADENCE = "cadence"
FU_OPEN = "open"
FU_DONE = "done"
FU_MISSED = "missed"
FU_CANCELLED = "cancelled"


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_open", "status", "due_start"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    prospect_id: int = Field(foreign_key="prospect.id", index=True)
    kind: str  # callback / promise / cadence
    channel: str = "call"
    due_start: datetime = _ts(nullable=False)
    due_end: Optional[datetime] = _ts(default=None)
    status: str = FU_OPEN
    step_index: Optional[int] = None
    template_id: str = ""
    label: str = ""  # "Thursday morning" in the prospect's time
    owner: str = ""  # the rep a callback was asked of
    note: str = ""
    touch_id: Optional[int] = Field(default=None, foreign_key="touch.id")  # the touch that made it
    closed_by_touch_id: Optional[int] = Field(default=None, foreign_key="touch.id")
    created_at: datetime = _ts(nullable=False, default_factory=utcnow)
    closed_at: Optional[datetime] = _ts(default=None)


class DncEntry(SQLModel, table=True):
    __tablename__ = "dnc_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    e164: str = Field(default="", index=True)  # empty when the entry is for a person
    prospect_id: Optional[int] = Field(default=None, foreign_key="prospect.id", index=True)
    # "outcome", "import", "manual", or a registry list's name (DncList.source): a newer copy
    # of that list deletes its entries that are no longer in it, by this column.
    source: str = Field(default="", index=True)
    reason: str = ""
    created_at: datetime = _ts(nullable=False, default_factory=utcnow)


class DncList(SQLModel, table=True):
    """A registry copy a team downloaded (the US National DNC Registry's area-code files, a
    national list elsewhere): which list, the day it was downloaded, what the last import of it
    held. `check` and the cockpit warn when the copy is older than the registry allows (31 days
    under the US TSR)."""

    __tablename__ = "dnc_list"
    id: Optional[int] = Field(default=None, primary_key=True)
    source: str = Field(sa_column=Column("source", String(), nullable=False, unique=True))
    downloaded: date = Field(sa_column=Column("downloaded", Date(), nullable=False))
    imported_at: datetime = _ts(nullable=False)
    file_name: str = ""
    numbers: int = 0  # entries of this list after the import
