"""Repository functions: every query the app and the CLI make. Keyword-only, take a Session.

The UI never builds a query; it calls these (from thread workers) and gets rows back."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Iterable, NamedTuple, Sequence

from sqlalchemy import (
    Boolean,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    table,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col, select

from dialer_tui.channels import CALL_CHANNELS  # the touches that count against an attempt cap
from dialer_tui.store import name_search
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_OPEN,
    RANK_CADENCE,
    RANK_NEW,
    RANK_OF_KIND,
    RANK_OUT,
    STATUS_DNC,
    TERMINAL_STATUSES,
    DncEntry,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
    UTCDateTime,
)

KIND_ORDER = {"mobile": 0, "direct": 1, "office": 2, "assistant": 3, "home": 4}


def phones_of(session: Session, *, prospect_ids: Sequence[int]) -> dict[int, list[PhoneNumber]]:
    """Numbers per prospect, best first: mobile, direct, office, assistant, home."""
    out: dict[int, list[PhoneNumber]] = defaultdict(list)
    if not prospect_ids:
        return out
    rows = session.exec(select(PhoneNumber).where(col(PhoneNumber.prospect_id).in_(prospect_ids)))
    for phone in rows:
        out[phone.prospect_id].append(phone)
    for phones in out.values():
        phones.sort(key=lambda p: (KIND_ORDER.get(p.kind, 9), p.id or 0))
    return out


class DialableNumber(NamedTuple):
    """The columns of a dialable number that the queue reads (pick_number(), target_for())."""

    id: int
    prospect_id: int
    e164: str
    kind: str
    time_zones: str


class in_ids(ColumnElement):
    """`column IN (:ids)`, the list bound at execution as `ids`: the hot queries below are built
    once (building a statement costs more than running it on a few hundred rows).

    SQLite expands the list into one parameter per id. PostgreSQL gets `column = ANY(:ids)`, one
    array parameter: the statement's text is the same for every page size, so psycopg prepares
    it and the server plans it once (a queue page's 300 ids: ~1.0 ms a query instead of ~2.8 ms
    for an IN list of 300 parameters, planned at each run)."""

    type = Boolean()
    _is_implicitly_boolean = True  # no `= 1` after it on SQLite
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column


@compiles(in_ids)
def _in_ids(element, compiler, **kw):
    return compiler.process(element.column.in_(bindparam("ids", expanding=True)), **kw)


@compiles(in_ids, "postgresql")
def _in_ids_pg(element, compiler, **kw):
    return compiler.process(element.column == any_(bindparam("ids", type_=ARRAY(Integer))), **kw)


_DIALABLE_NUMBERS = (
    select(PhoneNumber.id, PhoneNumber.prospect_id,  # type: ignore[call-overload]
           PhoneNumber.e164, PhoneNumber.kind, PhoneNumber.time_zones)
    .where(in_ids(PhoneNumber.prospect_id), col(PhoneNumber.valid).is_(True),
           col(PhoneNumber.bad).is_(False), col(PhoneNumber.do_not_call).is_(False),
           ~exists().where(DncEntry.e164 == PhoneNumber.e164)))


def dialable_numbers_of(session: Session, *, prospect_ids: Sequence[int]
                        ) -> dict[int, list[DialableNumber]]:
    """The numbers per prospect that services.targets.dialable() would keep (valid, not bad,
    not flagged or listed do-not-call), in no particular order.

    Filtered in SQL and read as plain tuples, not ORM objects: a queue page's ~750 numbers cost
    ~2 ms instead of ~16 ms, and the do-not-call list needs no query of its own."""
    out: dict[int, list[DialableNumber]] = defaultdict(list)
    if not prospect_ids:
        return out
    make = DialableNumber._make
    for row in session.exec(_DIALABLE_NUMBERS, params={"ids": prospect_ids}):
        number = make(row)
        out[number.prospect_id].append(number)
    return out


def touches_of(session: Session, *, prospect_id: int, limit: int | None = None,
               before: datetime | None = None) -> list[Touch]:
    """A prospect's touches, newest first (a window when `limit` is given)."""
    query = select(Touch).where(Touch.prospect_id == prospect_id)
    if before is not None:
        query = query.where(Touch.started_at < before)
    query = query.order_by(col(Touch.started_at).desc(), col(Touch.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def count_touches(session: Session, *, prospect_id: int) -> int:
    return session.exec(select(func.count()).select_from(Touch)
                        .where(Touch.prospect_id == prospect_id)).one()


_RECENT_CALLS = (select(Touch.prospect_id, Touch.started_at)
                 .where(in_ids(Touch.prospect_id),
                        Touch.started_at >= bindparam("since", type_=UTCDateTime()),
                        col(Touch.channel).in_(CALL_CHANNELS))
                 .order_by(col(Touch.started_at).desc()))


def recent_call_times(session: Session, *, prospect_ids: Sequence[int], since: datetime
                      ) -> dict[int, list[datetime]]:
    """When each prospect was called (call or voicemail touches) since `since`, newest first:
    what the attempt caps need, without loading whole touches. Served by ix_touch_prospect_time."""
    out: dict[int, list[datetime]] = defaultdict(list)
    if not prospect_ids:
        return out
    for pid, started in session.exec(_RECENT_CALLS,
                                     params={"ids": prospect_ids, "since": since}):
        out[pid].append(started)
    return out


_USE_COUNTS = (select(Touch.phone_id, func.count())
               .where(in_ids(Touch.prospect_id), col(Touch.phone_id).is_not(None))
               .group_by(Touch.phone_id))


def phone_use_counts(session: Session, *, prospect_ids: Sequence[int]) -> dict[int, int]:
    """How many call attempts each number has had (number rotation)."""
    if not prospect_ids:
        return {}
    rows = session.exec(_USE_COUNTS, params={"ids": prospect_ids})
    return {pid: n for pid, n in rows if pid is not None}


def dnc_numbers(session: Session, *, e164s: Iterable[str]) -> set[str]:
    wanted = list(set(e164s))
    if not wanted:
        return set()
    return set(session.exec(select(DncEntry.e164).where(col(DncEntry.e164).in_(wanted))))


_DNC_PEOPLE = select(DncEntry.prospect_id).where(in_ids(DncEntry.prospect_id))


def dnc_people(session: Session, *, prospect_ids: Sequence[int]) -> set[int]:
    if not prospect_ids:
        return set()
    rows = session.exec(_DNC_PEOPLE, params={"ids": list(prospect_ids)})
    return {r for r in rows if r is not None}


def add_dnc(session: Session, *, at: datetime, e164: str = "", prospect_id: int | None = None,
            source: str = "manual", reason: str = "") -> DncEntry:
    """Record a do-not-call entry and flag the matching numbers at once."""
    entry = DncEntry(e164=e164, prospect_id=prospect_id, source=source, reason=reason,
                     created_at=at)
    session.add(entry)
    if e164:
        for phone in session.exec(select(PhoneNumber).where(PhoneNumber.e164 == e164)):
            phone.do_not_call = True
            session.add(phone)
    return entry


def list_dnc(session: Session) -> list[DncEntry]:
    return list(session.exec(select(DncEntry).order_by(col(DncEntry.created_at))))


def find_by_phone(session: Session, *, e164: str) -> list[Prospect]:
    query = (select(Prospect).join(PhoneNumber, col(PhoneNumber.prospect_id) == Prospect.id)
             .where(PhoneNumber.e164 == e164).distinct())
    return list(session.exec(query))


def search(session: Session, *, text: str, e164: str | None = None, limit: int = 50
           ) -> list[Prospect]:
    """Prospects whose number, name, company or email matches `text`.

    A number match (E.164 after normalisation) comes first: the inbound-callback case."""
    found: dict[int, Prospect] = {}
    if e164:
        for p in find_by_phone(session, e164=e164):
            found[p.id] = p  # type: ignore[index]
    needle = " ".join(text.lower().split())
    # A number that matched is the answer: no substring scan of every name and email for it
    # (a full table scan, ~30-90 ms at 100k prospects, that cannot match a phone number anyway).
    if needle and len(found) < limit and not (e164 and found):
        like = f"%{_escape_like(needle)}%"
        name_like = col(Prospect.name_key).like(like, escape="\\")
        email_like = col(Prospect.email_key).like(like, escape="\\")
        if name_search.usable(session.connection(), needle):
            # SQLite's trigram index (schema v11) finds the candidates: 117-233 ms -> 6-15 ms
            # at 1M prospects. It finds more than LIKE does (the trigrams in any order, and
            # non-ASCII case folded), so the LIKE still decides.
            indexed: Any = (select(literal_column("rowid")).select_from(table(name_search.TABLE))
                            .where(literal_column(name_search.TABLE)
                                   .op("MATCH")(name_search.query(needle))))
            query = select(Prospect).where(col(Prospect.id).in_(indexed),
                                           or_(name_like, email_like))
        else:
            # Two scans of the narrow name and email indexes (SQLite reads them as covering
            # indexes) instead of one of the wide prospect rows: 13 ms instead of 22 ms at 100k.
            matching = union(select(Prospect.id).where(name_like),
                             select(Prospect.id).where(email_like))
            query = select(Prospect).where(col(Prospect.id).in_(matching))
        # `|| ''`: sort the few matches; ordering by the bare column makes SQLite walk the
        # name_key index and fetch every row (113 ms vs 21 ms at 100k). The id settles equal
        # keys, so both ways answer in one order.
        query = query.order_by(col(Prospect.name_key).concat(""), col(Prospect.id)).limit(limit)
        for p in session.exec(query):
            found.setdefault(p.id, p)  # type: ignore[arg-type]
    digits = re.sub(r"\D", "", text)
    if not found and len(digits) >= 4:  # a partial number: "555-0101"
        query = (select(Prospect).join(PhoneNumber, col(PhoneNumber.prospect_id) == Prospect.id)
                 .where(col(PhoneNumber.e164).like(f"%{digits}%")).distinct().limit(limit))
        for p in session.exec(query):
            found.setdefault(p.id, p)  # type: ignore[arg-type]
    return list(found.values())[:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def follow_up_is_open():
    """`follow_up.status = 'open'`, written so that SQLite cannot serve it from ix_follow_up_open.

    Without ANALYZE statistics SQLite's planner prefers ix_follow_up_open (status, due_start)
    to ix_follow_up_prospect_id whenever a query also names prospects, and then walks every open
    follow-up (50,000 in the bench: 35-75 ms) instead of the prospect's few (0.01 ms).
    `status || ''` means the same on both backends and leaves the prospect index as the choice.
    Use it in any query that also filters on follow_up.prospect_id."""
    return col(FollowUp.status).concat("") == FU_OPEN


def open_follow_ups(session: Session, *, prospect_id: int) -> list[FollowUp]:
    return list(session.exec(select(FollowUp).where(FollowUp.prospect_id == prospect_id,
                                                    follow_up_is_open())
                             .order_by(col(FollowUp.due_start))))


class DueFollowUp(NamedTuple):
    """The columns of an open follow-up that the queue reads."""

    prospect_id: int
    kind: str
    channel: str
    due_start: datetime
    step_index: int | None
    label: str
    owner: str
    due_end: datetime | None


_DUE_FOLLOW_UPS = (
    select(FollowUp.prospect_id, FollowUp.kind, FollowUp.channel,  # type: ignore[call-overload]
           FollowUp.due_start, FollowUp.step_index, FollowUp.label, FollowUp.owner,
           FollowUp.due_end)
    .where(in_ids(FollowUp.prospect_id), follow_up_is_open(),
           FollowUp.due_start <= bindparam("at", type_=UTCDateTime())))


def due_follow_ups(session: Session, *, prospect_ids: Sequence[int], at: datetime
                   ) -> list[DueFollowUp]:
    """Open follow-ups of these prospects whose window has started by `at` (plain tuples)."""
    if not prospect_ids:
        return []
    rows = session.exec(_DUE_FOLLOW_UPS, params={"ids": prospect_ids, "at": at})
    return [DueFollowUp._make(row) for row in rows]


def refresh_queue_state(session: Session, *, prospect: Prospect) -> None:
    """Recompute the prospect's denormalised queue rank and due time from its open follow-ups.

    The earliest open follow-up decides; ties go to the stronger reason (callback first)."""
    prospect.queue_owner = ""
    if prospect.status in TERMINAL_STATUSES:
        prospect.queue_rank, prospect.queue_due_at = RANK_OUT, prospect.recycle_at
        session.add(prospect)
        return
    open_fus = open_follow_ups(session, prospect_id=prospect.id)  # type: ignore[arg-type]
    if open_fus:
        best = min(open_fus, key=lambda f: (f.due_start, RANK_OF_KIND.get(f.kind, RANK_CADENCE)))
        prospect.queue_rank = RANK_OF_KIND.get(best.kind, RANK_CADENCE)
        prospect.queue_due_at = best.due_start
        if best.kind == FU_CALLBACK:  # callbacks_mine_only in SQL (services/queue.py)
            prospect.queue_owner = best.owner
    elif prospect.attempts == 0:
        prospect.queue_rank = RANK_NEW
        prospect.queue_due_at = prospect.queue_due_at or prospect.created_at
    else:
        prospect.queue_rank, prospect.queue_due_at = RANK_OUT, prospect.recycle_at
    session.add(prospect)


def change_token(session: Session) -> tuple:
    """Cheap fingerprint of what other cockpits change: new touches, follow-ups, do-not-call
    entries and claims. Primary-key maxima are O(1); live claims use the queue's own filter."""
    from sqlalchemy import func as f

    return (session.exec(select(f.max(Touch.id))).one(),
            session.exec(select(f.max(FollowUp.id))).one(),
            session.exec(select(f.max(DncEntry.id))).one(),
            session.exec(select(f.max(Prospect.claim_expires_at))).one())


# ---- leases (team mode) ------------------------------------------------------------------
# A lease is judged by one clock for the whole team: the database's on PostgreSQL (a laptop
# sixteen minutes fast must not take over live leases), the caller's `at` on SQLite, where every
# process shares one machine's clock and tests pin it.


class lease_now(FunctionElement):
    """The instant leases are judged at, as SQL: `now()` on PostgreSQL, else its argument."""

    type = UTCDateTime()
    name = "lease_now"
    inherit_cache = True


@compiles(lease_now)
def _lease_now_default(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(lease_now, "postgresql")
def _lease_now_pg(element, compiler, **kw):
    return "now()"


def lease_until(session: Session, *, at: datetime, minutes: int):
    """The expiry a lease taken now gets, as a value for an UPDATE."""
    lease = timedelta(minutes=minutes)
    if session.get_bind().dialect.name == "postgresql":
        return func.now() + lease
    return at + lease


def lease_clock(session: Session, *, at: datetime) -> datetime:
    """The instant leases are judged at, as a value (see lease_now)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.exec(select(func.now())).one()
    return at


def lease_free(at, *, rep=None):
    """No live lease on the prospect (or the live one is `rep`'s): a WHERE condition."""
    free = or_(col(Prospect.claim_expires_at).is_(None),
               col(Prospect.claim_expires_at) <= lease_now(at))
    return free if rep is None else or_(free, Prospect.claimed_by == rep)


def claimable(at):
    """The queue's own conditions for a prospect at `at`, as one WHERE clause for a claim's
    UPDATE: due, not do-not-call, not resting in a terminal status. A claim that tests only the
    lease acts on a queue read taken before another rep's outcome (issue 18, finding 1)."""
    return and_(col(Prospect.queue_due_at) <= at,
                Prospect.status != STATUS_DNC,
                or_(col(Prospect.status).not_in(TERMINAL_STATUSES),
                    col(Prospect.recycle_at) <= at),
                ~exists().where(DncEntry.prospect_id == Prospect.id))


def take_prospect(session: Session, *, prospect_id: int) -> Prospect | None:
    """The prospect row for a write that reads it first (an outcome): locked until the commit
    on PostgreSQL (a second rep's outcome waits, then reads the first's attempts: no lost
    update); SQLite's writers hold the database's write lock from BEGIN IMMEDIATE already.
    Re-read even if the session holds the object, whose values may predate the lock."""
    return session.get(Prospect, prospect_id, with_for_update=True, populate_existing=True)


def lease_holder(prospect: Prospect, *, rep: str, now: datetime) -> str:
    """The rep other than `rep` who holds a live lease on the prospect, else ""."""
    live = prospect.claim_expires_at is not None and prospect.claim_expires_at > now
    return prospect.claimed_by if live and prospect.claimed_by != rep else ""


def renew_lease(session: Session, *, prospect_id: int, rep: str, at: datetime,
                minutes: int) -> bool:
    """Extend `rep`'s lease (the cockpit's heartbeat while the prospect is on screen); False
    when it is no longer theirs (it ran out and another rep took it). Commits."""
    result = session.execute(
        update(Prospect).where(col(Prospect.id) == prospect_id, Prospect.claimed_by == rep)
        .values(claim_expires_at=lease_until(session, at=at, minutes=minutes)))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_leases(session: Session, *, rep: str, prospect_ids: Sequence[int] | None = None
                   ) -> int:
    """Let go of `rep`'s leases (skip, snooze, quit, a restart after a crash): these prospects,
    or all of the rep's when None. Another rep's lease is never touched. Commits."""
    query = update(Prospect).where(Prospect.claimed_by == rep, Prospect.claimed_by != "")
    if prospect_ids is not None:
        query = query.where(col(Prospect.id).in_(list(prospect_ids)))
    result = session.execute(query.values(claimed_by="", claim_expires_at=None))
    session.commit()
    return result.rowcount  # type: ignore[attr-defined]
