"""Who to call now, and why: the queue, the callable verdict, and claiming with a lease.

The order and the coarse filters (rank, due time, terminal status, leases) are one indexed SQL
query over the prospect table's denormalised queue fields; only the rows at the head of that
order are judged in Python (numbers, do-not-call, calling hours, caps), page by page, until the
queue window is full. Nothing here loops over every prospect."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, exists, func, or_, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.selectable import Exists
from sqlmodel import Session, col, select

from dialer_tui.domain.calling_hours import CAP_WINDOW, Verdict
from dialer_tui.domain.phones import area_code, region_of
from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.domain.regions import get_zone
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.gate import check_dial, judge_person
from dialer_tui.services.rows import is_missed
from dialer_tui.services.targets import (
    consent_on,
    line_and_consent,
    person_area_codes,
    pick_number,
)
from dialer_tui.store import repo
from dialer_tui.store.engine import reader
from dialer_tui.store.models import (
    FU_CALLBACK,
    RANK_CALLBACK,
    RANK_NAMES,
    RANK_OF_KIND,
    STATUS_DNC,
    TERMINAL_STATUSES,
    DncEntry,
    Prospect,
    UTCDateTime,
)

MIN_PAGE = 20  # rows read at least per page
MAX_PAGE = 2_000  # and at most (the IN lists of the page's fact queries)
_REASON_RANK = {name: rank for rank, name in RANK_NAMES.items()}


class _Candidate(NamedTuple):
    """The prospect columns the queue reads (plain tuples: ORM objects with six converted
    datetimes cost ~25 us a row), and whether a do-not-call entry names the person."""

    id: int
    first_name: str
    last_name: str
    company: str
    status: str
    recycle_at: datetime | None
    queue_rank: int
    queue_due_at: datetime | None
    time_zone: str
    region: str
    country: str
    dnc_person: bool
    version: int  # the row's version (models._VERSION): a claim of this read checks it
    line: str  # whom the line reaches, and recorded consent: rules for consumers judge them
    consent_basis: str
    consent_date: date | None


# callbacks_mine_only in SQL: with `others` set (the rep's name, when the setting is on), leave
# out a prospect ranked by a callback asked of another rep (Prospect.queue_owner). _page_items
# still makes the exact choice (the strongest due follow-up); this saves reading, judging and
# dropping them a page at a time: 3,193 of another rep's callbacks at the head of the queue
# cost 211 ms (a correlated follow-up lookup per row instead: 32 ms).
_OTHERS = bindparam("others", value="")
_NOT_OTHERS_CALLBACK = or_(_OTHERS == "", Prospect.queue_rank != RANK_CALLBACK,
                           Prospect.queue_owner == "", Prospect.queue_owner == _OTHERS)

# Prospects due now (`at`), in queue order, a page at a time; built once, bound at execution.
_CANDIDATES = (
    select(Prospect.id, Prospect.first_name, Prospect.last_name,  # type: ignore[call-overload]
           Prospect.company, Prospect.status, Prospect.recycle_at, Prospect.queue_rank,
           Prospect.queue_due_at, Prospect.time_zone, Prospect.region, Prospect.country,
           exists().where(DncEntry.prospect_id == Prospect.id), Prospect.version,
           Prospect.line, Prospect.consent_basis, Prospect.consent_date)
    # Terminal prospects carry their recycle date as the due time (none for do-not-call), so
    # one condition covers both the due and the recycled.
    .where(col(Prospect.queue_due_at) <= bindparam("at", type_=UTCDateTime()),
           repo.lease_free(bindparam("at", type_=UTCDateTime()), rep=bindparam("rep")),
           _NOT_OTHERS_CALLBACK)
    .order_by(col(Prospect.queue_rank), col(Prospect.priority).desc(),
              col(Prospect.queue_due_at), col(Prospect.id))
    .limit(bindparam("size")).offset(bindparam("skip")))


# The queue of a named rep with callbacks_mine_only on, read in two lanes: the prospects for
# anyone (queue_owner "") and those whose callback was asked of the rep (models.Prospect:
# queue_owner is set only on a callback's rank). Each lane is one range of
# ix_prospect_queue_lane already in queue order, so each read stops after its LIMIT; the two are
# merged in Python. The single query's index walk passed every due callback of every other rep
# and dropped it in the filter: 3,200 at 100k prospects, 33,000 at 1M (218 ms on PostgreSQL).
# Two queries and not a UNION ALL: PostgreSQL 15 sorts a union's rows (all 640,000 due at 1M)
# instead of merging the arms' index order. The do-not-call check runs for the page only: in
# the lane queries PostgreSQL hashed the whole list at each read (47,813 rows at 1M).
_LANE = (
    select(*[c for c in _CANDIDATES.selected_columns  # type: ignore[call-overload]
             if not isinstance(c, Exists)], Prospect.priority)
    .where(col(Prospect.queue_owner) == bindparam("owner"),
           col(Prospect.queue_due_at) <= bindparam("at", type_=UTCDateTime()),
           repo.lease_free(bindparam("at", type_=UTCDateTime()), rep=bindparam("rep")))
    .order_by(col(Prospect.queue_rank), col(Prospect.priority).desc(),
              col(Prospect.queue_due_at), col(Prospect.id))
    .limit(bindparam("size")).offset(bindparam("skip")))


def _queue_order(row) -> tuple:
    return (row.queue_rank, -row.priority, row.queue_due_at, row.id)


class _Lanes:
    """_CANDIDATES' pages for a named rep, with other reps' callbacks left out, from the two
    lanes. Each lane is read from where it stopped (its own offset), and the rows read but not
    yet handed out wait for the next page: a page costs about its own rows, not every row
    before it again (an OFFSET over the merged order re-read both lanes from the top)."""

    def __init__(self, session: Session, *, at: datetime, rep: str) -> None:
        self.session, self.at, self.rep = session, at, rep
        self.waiting: dict[str, list] = {"": [], rep: []}  # read, in lane order, not handed out
        self.read = dict.fromkeys(self.waiting, 0)
        self.ended = dict.fromkeys(self.waiting, False)

    def page(self, size: int) -> list[_Candidate]:
        for owner, waiting in self.waiting.items():
            if len(waiting) < size and not self.ended[owner]:
                want = size - len(waiting)
                rows = self.session.exec(_LANE, params={
                    "owner": owner, "at": self.at, "rep": self.rep, "size": want,
                    "skip": self.read[owner]}).all()
                self.read[owner] += len(rows)
                self.ended[owner] = len(rows) < want
                waiting.extend(rows)
        # Each lane holds its next `size` rows (or all it has left): the page is among them.
        merged = sorted((row for rows in self.waiting.values() for row in rows),
                        key=_queue_order)
        rows, rest = merged[:size], {row.id for row in merged[size:]}
        for waiting in self.waiting.values():
            waiting[:] = [row for row in waiting if row.id in rest]
        dnc = repo.dnc_people(self.session, prospect_ids=[r.id for r in rows])
        return [_Candidate(*r[:11], r.id in dnc, *r[11:-1]) for r in rows]


def _page_size(limit: int, found: int, scanned: int) -> int:
    """Rows to read next: enough to fill the window at the share of callable rows seen so far.

    The first page is limit * 1.5 (most of the head is callable at most hours), so a small
    window (the cockpit's first frame) reads a small page; later pages grow with the gap."""
    if scanned == 0:
        size = limit + limit // 2
    elif found == 0:
        size = 2 * scanned
    else:
        size = -(-(limit - found) * scanned * 5 // (found * 4))  # ceil(gap / share * 1.25)
    return max(MIN_PAGE, min(size, MAX_PAGE))


@lru_cache(maxsize=65536)
def _number_key(zones: str, e164: str) -> tuple:
    """What of a number the calling-hours plan depends on (see _Verdicts)."""
    region = region_of(e164)
    if region and zones and all(get_zone(z) is not None for z in zones.split()):
        return (zones, region, area_code(e164))
    return (zones, e164)


class _Verdicts:
    """gate.judge_person() at one instant, memoised within a build.

    Most rows share a verdict with others: the verdict is a function of the calling-hours plan,
    and the plan of (number's zones, number's country, NANP area code, the area codes of the
    person's other numbers, prospect's zone, region and country) whenever the number's zones are
    all known and its country is: only then can nothing else of the E.164 number count
    (otherwise the number itself is part of the key). The attempts only matter once they reach
    the plan's cap (Verdict.attempt_cap): a verdict below the cap is the verdict with no
    attempts, so only those are shared."""

    def __init__(self, bundle: Bundle, at: datetime) -> None:
        self.bundle, self.at = bundle, at
        self.memo: dict[tuple, Verdict] = {}

    def _key(self, prospect, phone, numbers) -> tuple:
        place = (prospect.time_zone, prospect.region, prospect.country,
                 person_area_codes(numbers, phone), prospect.line, consent_on(prospect))
        if phone is None:
            return place
        return _number_key(phone.time_zones, phone.e164) + place

    def __call__(self, prospect, phone, numbers, calls: list[datetime]) -> Verdict:
        key = self._key(prospect, phone, numbers)
        attempts = len(calls)
        found = self.memo.get(key)
        if found is not None and (found.attempt_cap is None or attempts < found.attempt_cap):
            return found
        verdict = judge_person(self.bundle, prospect, phone, numbers, calls, self.at)
        if verdict.attempt_cap is None or attempts < verdict.attempt_cap:
            self.memo[key] = verdict
        return verdict


def build_queue(session: Session, bundle: Bundle, *, at: datetime, limit: int = 200,
                rep: str = "", max_scan: int = 20_000) -> list[QueueItem]:
    """The next `limit` callable entries at instant `at`.

    SQL orders by the rank stored on the prospect (that of its earliest open follow-up); a
    prospect whose stronger follow-up has come due meanwhile (a promise window opening while an
    email task is still open) is moved up among the entries found (a stable sort), so the
    promise is kept even with an email task left undone."""
    items: list[QueueItem] = []
    scanned = 0
    verdicts = _Verdicts(bundle, at)
    others = rep if bundle.settings.callbacks_mine_only else ""  # _NOT_OTHERS_CALLBACK
    lanes = _Lanes(session, at=at, rep=others) if others else None
    while len(items) < limit and scanned < max_scan:
        size = min(_page_size(limit, len(items), scanned), max_scan - scanned)
        if lanes is not None:
            page = lanes.page(size)
        else:
            rows = session.exec(_CANDIDATES, params={"at": at, "rep": rep, "size": size,
                                                     "skip": scanned, "others": ""})
            page = [_Candidate._make(row) for row in rows]
        if not page:
            break
        items.extend(_page_items(session, bundle, page, at, rep, verdicts))
        scanned += len(page)
        if len(page) < size:
            break  # the end of the queue
    items.sort(key=lambda i: _REASON_RANK[i.reason])
    return items[:limit]


OPENING_HORIZON = timedelta(days=14)  # calling hours' own look-ahead (Verdict.next_allowed)
OPENING_SAMPLE = 50


def next_opening(session: Session, bundle: Bundle, *, at: datetime, rep: str = ""
                 ) -> QueueItem | None:
    """When the queue, empty at `at`, next has someone to call, as its first entry then (due_at
    is that instant); None within OPENING_HORIZON.

    The candidate instants are when the calling rules next allow the head of the queue (the gate's
    next_allowed) and when the next follow-ups fall due; each is checked, soonest first, with
    build_queue itself, so what the empty queue says is what it will do. The cockpit runs this in
    a worker, only when its queue is empty."""
    head = [row[0] for row in session.exec(
        _CANDIDATES, params={"at": at, "rep": rep, "size": OPENING_SAMPLE, "skip": 0})]
    times = {check.next_allowed for pid in head
             if (check := check_dial(session, bundle, prospect_id=pid, at=at)).next_allowed}
    times.update(session.exec(
        select(Prospect.queue_due_at).where(col(Prospect.queue_due_at) > at)
        .order_by(col(Prospect.queue_due_at)).limit(OPENING_SAMPLE)))
    for when in sorted(t for t in times if t is not None and at < t <= at + OPENING_HORIZON):
        found = build_queue(session, bundle, at=when, limit=1, rep=rep)
        if found:
            return replace(found[0], due_at=when)
    return None


def read_queue_window(engine: Engine, bundle: Bundle, *, at: datetime, limit: int, rep: str
                      ) -> tuple[list[QueueItem], int]:
    """The cockpit's queue window: build_queue in a read-only unit of work, and the prospect
    count when it is empty (-1 otherwise): an empty queue says "import a list" or "nobody is
    callable now" by it."""
    with Session(reader(engine), expire_on_commit=False) as s:
        items = build_queue(s, bundle, at=at, limit=limit, rep=rep)
        if items:
            return items, -1
        return items, s.exec(select(func.count()).select_from(Prospect)).one()


def _page_items(session: Session, bundle: Bundle, page: list[_Candidate], at: datetime,
                rep: str, verdicts: _Verdicts) -> list[QueueItem]:
    """The callable entries of one page, in page order.

    In three steps, each reading only for the rows still in: dialable numbers and follow-ups
    due (every row); how often each number was tried (rows with two dialable numbers or more);
    calls in the last 24 h (rows callable now in a place that caps attempts)."""
    ids = [p.id for p in page]
    numbers_of = repo.dialable_numbers_of(session, prospect_ids=ids)
    due: dict[int, repo.DueFollowUp] = {}
    for fu in repo.due_follow_ups(session, prospect_ids=ids, at=at):
        held = due.get(fu.prospect_id)
        if held is None or (RANK_OF_KIND[fu.kind], fu.due_start) < (RANK_OF_KIND[held.kind],
                                                                   held.due_start):
            due[fu.prospect_id] = fu  # the strongest reason due now wins
    mine_only = bundle.settings.callbacks_mine_only
    kept = []  # (prospect, follow-up due or None, dialable numbers)
    for prospect in page:
        if prospect.dnc_person or prospect.status == STATUS_DNC:
            continue
        if prospect.status in TERMINAL_STATUSES and not (prospect.recycle_at
                                                         and prospect.recycle_at <= at):
            continue
        fu = due.get(prospect.id)
        if (fu is not None and fu.kind == FU_CALLBACK and fu.owner and rep and fu.owner != rep
                and mine_only):
            continue  # a callback asked of another rep stays theirs
        numbers = numbers_of.get(prospect.id, [])
        if not numbers and (fu is None or fu.channel == "call"):
            continue  # a call with nothing to dial
        kept.append((prospect, fu, numbers))
    use_counts = repo.phone_use_counts(
        session, prospect_ids=[p.id for p, _, numbers in kept if len(numbers) > 1])
    judged = []  # (prospect, follow-up, number, numbers, verdict with no attempts counted)
    for prospect, fu, numbers in kept:
        phone = pick_number(numbers, use_counts)
        verdict = verdicts(prospect, phone, numbers, [])
        if not verdict.callable and (fu is None or fu.channel == "call"):
            continue  # attempts can only block more
        judged.append((prospect, fu, phone, numbers, verdict))
    capped = [p.id for p, fu, _, _, v in judged
              if v.attempt_cap is not None and (fu is None or fu.channel == "call")]
    # Each capped verdict says how far back its caps count (24 h for Florida, 30 days for France).
    period = max((v.cap_period or CAP_WINDOW for _, _, _, _, v in judged
                  if v.attempt_cap is not None), default=CAP_WINDOW)
    calls_of = repo.recent_call_times(session, prospect_ids=capped, since=at - period)
    items = []
    for prospect, fu, phone, numbers, verdict in judged:
        calls = calls_of.get(prospect.id)
        if calls and (fu is None or fu.channel == "call"):
            verdict = verdicts(prospect, phone, numbers, calls)
            if not verdict.callable:
                continue
        items.append(_item(prospect, fu, phone, verdict, at))
    return items


def _item(prospect: _Candidate, fu: repo.DueFollowUp | None, phone: repo.DialableNumber | None,
          verdict: Verdict, at: datetime) -> QueueItem:
    channel = fu.channel if fu is not None else "call"
    reason = RANK_NAMES[RANK_OF_KIND[fu.kind]] if fu is not None else RANK_NAMES.get(
        prospect.queue_rank, "new")
    detail = reason
    if fu is not None:
        detail = {"callback": f"asked for a call {fu.label}", "promise": f"promised {fu.label}",
                  }.get(fu.kind, f"step {(fu.step_index or 0) + 1}: {fu.channel}")
    elif prospect.queue_rank == RANK_CALLBACK:
        detail = "callback"
    missed = fu is not None and is_missed(fu.kind, fu.due_start, fu.due_end, at)
    if missed:
        detail = f"MISSED: {detail}"
    name = f"{prospect.first_name} {prospect.last_name}".strip()  # Prospect.name
    return QueueItem(prospect.id, name, prospect.company, phone.e164 if phone else "",
                     phone.id if phone else None, phone.kind if phone else "", channel, reason,
                     detail, prospect.queue_due_at, verdict, missed, prospect.version)


@dataclass
class Explanation:
    prospect_id: int
    callable: bool
    due: bool
    reasons: list[str]
    next_allowed: datetime | None
    verdict: Verdict | None
    phone: str
    numbers: list[dict]

    def to_json(self) -> dict:
        v = self.verdict
        return {"prospect_id": self.prospect_id, "callable": self.callable, "due": self.due,
                "reasons": self.reasons,
                "next_allowed": self.next_allowed.isoformat() if self.next_allowed else None,
                "phone": self.phone,
                "time_zone": v.time_zone if v else None,
                "local_time": v.local_time.isoformat(timespec="seconds") if v else None,
                "zones": list(v.zones) if v else [], "warnings": list(v.warnings) if v else [],
                "numbers": self.numbers}


def explain(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime,
            phone: str | None = None) -> Explanation:
    """Why a prospect is or is not callable at `at` (on `phone`, default the number the queue
    would pick), and when it next will be: the gate's answer (services/gate.py), with the
    queue's view of it (due or not, claimed by whom)."""
    check = check_dial(session, bundle, prospect_id=prospect_id, at=at, e164=phone)
    prospect = session.get(Prospect, prospect_id)
    assert prospect is not None  # check_dial raised LookupError otherwise
    verdict, reasons = check.verdict, list(check.reasons)
    if verdict is not None:  # which number was judged, where, and every law applied to it
        reasons.insert(0, f"judged {check.e164 or 'no number'} in {', '.join(verdict.zones)} "
                       f"under {'; '.join(verdict.laws)}")
        reasons.insert(1, line_and_consent(prospect, bundle.settings))  # consumer rules read it
    numbers = [{"phone": e, "kind": k, "state": s} for e, k, s in check.number_states]
    # Blocked for the person or the number (do-not-call, status, no number): no time helps.
    person_blocked = not check.allowed and check.next_allowed is None
    callable_now = check.allowed
    due = (prospect.queue_due_at is not None and prospect.queue_due_at <= at
           and not person_blocked)
    if not person_blocked and not due and prospect.queue_due_at is not None and verdict:
        local = prospect.queue_due_at.astimezone(verdict.local_time.tzinfo)
        reasons.append(f"not due yet: next {RANK_NAMES.get(prospect.queue_rank, 'touch')} "
                       f"from {local:%a %d %b %H:%M} their time")
    # A lease is live by the clock that times it (the server's, on PostgreSQL), as a claim
    # judges it: a laptop running fast must not say a live lease has lapsed.
    if prospect.claim_expires_at and prospect.claim_expires_at > repo.lease_clock(session, at=at):
        reasons.append(f"claimed by {prospect.claimed_by} until "
                       f"{prospect.claim_expires_at:%H:%M} UTC")
    return Explanation(prospect_id, callable_now, due, reasons, check.next_allowed, verdict,
                       check.e164, numbers)


def claim_next(session: Session, bundle: Bundle, *, rep: str, at: datetime,
               lease_minutes: int | None = None) -> QueueItem | None:
    """Claim the head of the queue for `rep` with a lease; two reps never get the same prospect.

    The claim is a compare-and-set UPDATE whose WHERE holds the row's version as the queue read
    it and the queue's own conditions (still due, callable, no live lease: repo.claimable,
    repo.lease_free), so a queue read taken before another rep's outcome cannot hand out what
    that outcome changed (a call the outcome turned into an email task). On SQLite the
    transaction holds the write lock from its BEGIN IMMEDIATE; on PostgreSQL rows another
    transaction holds (a claim, an outcome) are skipped, and the UPDATE re-checks its WHERE
    against the row as committed. The gate is asked again once the row is ours."""
    minutes = lease_minutes or bundle.settings.lease_minutes
    postgres = session.get_bind().dialect.name == "postgresql"
    held = set(session.exec(select(Prospect.id).where(
        Prospect.claimed_by == rep, col(Prospect.claim_expires_at) > repo.lease_now(at))))
    # The rep's own leases are in their queue: read past them, or fifty `next` without an
    # outcome would leave the fifty-first with nothing to claim.
    for item in build_queue(session, bundle, at=at, limit=50 + len(held), rep=rep):
        if item.prospect_id in held:
            continue  # "next" moves on; the rep's earlier lease runs out or ends with an outcome
        if postgres:  # skip rows another rep is claiming right now instead of queueing on them
            locked = session.execute(
                select(Prospect.id).where(col(Prospect.id) == item.prospect_id)
                .with_for_update(skip_locked=True)).first()
            if locked is None:
                continue
        result = session.execute(
            update(Prospect).where(col(Prospect.id) == item.prospect_id,
                                   col(Prospect.version) == item.version, repo.lease_free(at),
                                   repo.claimable(at))
            .values(claimed_by=rep,
                    claim_expires_at=repo.lease_until(session, at=at, minutes=minutes)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another rep's meanwhile, or changed since the queue read it
        if item.channel == "call" and not check_dial(session, bundle, prospect_id=item.prospect_id,
                                                     at=at, e164=item.phone).allowed:
            # The gate, asked once the row is ours (not for every candidate: that kept rows
            # locked longer and let concurrent claimers run out of candidates): refused, let go.
            session.rollback()
            continue
        session.commit()
        return item
    session.commit()
    return None


def claim(session: Session, *, prospect_id: int, rep: str, at: datetime,
          lease_minutes: int, version: int | None = None) -> str | None:
    """Lease the prospect a rep has on screen (compare-and-set, like claim_next): taken when
    the lease is the rep's (renewed), or when nobody holds it and it is still due and callable
    and, given `version` (QueueItem.version, what the screen shows), unchanged since it was read.

    None when the lease is the rep's; otherwise the name of the rep who holds it, or "another
    rep" when nobody does but an outcome has just taken it out of the queue (do not call, done,
    not due before the next step)."""
    result = session.execute(
        update(Prospect).where(col(Prospect.id) == prospect_id,
                               or_(and_(Prospect.claimed_by == rep,
                                        col(Prospect.claim_expires_at) > repo.lease_now(at)),
                                   and_(repo.lease_free(at), repo.claimable(at),
                                        true() if version is None
                                        else col(Prospect.version) == version)))
        .values(claimed_by=rep,
                claim_expires_at=repo.lease_until(session, at=at, minutes=lease_minutes)))
    holder = None
    if result.rowcount != 1:  # type: ignore[attr-defined]
        row = session.exec(select(Prospect.claimed_by, col(Prospect.claim_expires_at)
                                  > repo.lease_now(at))
                           .where(col(Prospect.id) == prospect_id)).first()
        if row is not None and row[0] and row[0] != rep and row[1]:
            holder = row[0]
        else:
            holder = "another rep"
    session.commit()
    return holder
