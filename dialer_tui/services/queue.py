"""Who to call now, and why: the queue, the callable verdict, and claiming with a lease.

The order and the coarse filters (rank, due time, terminal status, leases) are one indexed SQL
query over the prospect table's denormalised queue fields; only the rows at the head of that
order are judged in Python (numbers, do-not-call, calling hours, caps), page by page, until the
queue window is full. Nothing here loops over every prospect.

Here: building the window page by page (build_queue, next_opening, read_queue_window), explain,
and claiming (claim_next, claim). The candidate reads (the SQL, the lanes) are
queue_candidates.py's and judging a page is queue_judging.py's; their names are re-exported here,
so callers (and queue_rows.py) import the queue from this module."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, true, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dialer_tui.domain.calling_hours import Verdict
from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.gate import check_dial

# Every name that moved out stays importable from here: queue_rows.py reads the candidate
# query and the judging through this module, the tests _number_key.
from dialer_tui.services.queue_candidates import (  # noqa: F401 - re-exported
    _CANDIDATES,
    _LANE,
    _NOT_OTHERS_CALLBACK,
    _OTHERS,
    _Candidate,
    _Lanes,
    _queue_order,
)
from dialer_tui.services.queue_judging import (  # noqa: F401 - re-exported
    _item,
    _number_key,
    _page_items,
    _Verdicts,
)
from dialer_tui.services.targets import line_and_consent
from dialer_tui.store import repo
from dialer_tui.store.engine import reader
from dialer_tui.store.models import RANK_NAMES, Prospect

MIN_PAGE = 20  # rows read at least per page
MAX_PAGE = 2_000  # and at most (the IN lists of the page's fact queries)
_REASON_RANK = {name: rank for rank, name in RANK_NAMES.items()}


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
