"""Who to call now, and why: the queue, the callable verdict, and claiming with a lease.

The order and the coarse filters (rank, due time, terminal status, leases) are one indexed SQL
query over the prospect table's denormalised queue fields; only the rows at the head of that
order are judged in Python (numbers, do-not-call, calling hours, caps), page by page, until the
queue window is full. Nothing here loops over every prospect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from dialer_tui.domain import calling_hours
from dialer_tui.domain.calling_hours import Verdict
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.targets import dialable, pick_number, target_for
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CALLBACK,
    RANK_CADENCE,
    RANK_CALLBACK,
    RANK_NAMES,
    RANK_PROMISED,
    STATUS_DNC,
    TERMINAL_STATUSES,
    FollowUp,
    PhoneNumber,
    Prospect,
)

PAGE = 400
WINDOW_24H = timedelta(hours=24)
_KIND_RANK = {"callback": RANK_CALLBACK, "promise": RANK_PROMISED, "cadence": RANK_CADENCE}
_REASON_RANK = {name: rank for rank, name in RANK_NAMES.items()}


@dataclass(frozen=True)
class QueueItem:
    prospect_id: int
    name: str
    company: str
    phone: str  # E.164 of the number to dial ('' for a task with no number)
    phone_id: int | None
    phone_kind: str
    channel: str  # call, or the channel of a cadence task (email, linkedin, letter)
    reason: str  # callback / promised / cadence / new
    detail: str  # "promised Thursday morning", "step 3: email"
    due_at: datetime | None
    verdict: Verdict

    @property
    def local_time(self) -> datetime:
        return self.verdict.local_time

    def to_json(self) -> dict:
        return {
            "prospect_id": self.prospect_id, "name": self.name, "company": self.company,
            "phone": self.phone, "phone_kind": self.phone_kind, "channel": self.channel,
            "reason": self.reason, "detail": self.detail,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "local_time": self.verdict.local_time.isoformat(timespec="seconds"),
            "time_zone": self.verdict.time_zone,
        }


def _candidates(session: Session, at: datetime, rep: str) -> Iterator[list[Prospect]]:
    """Prospects due now, in queue order, a page at a time (keyset on the order)."""
    query = (select(Prospect)
             # Terminal prospects carry their recycle date as the due time (none for
             # do-not-call), so one condition covers both the due and the recycled.
             .where(col(Prospect.queue_due_at) <= at,
                    or_(col(Prospect.claim_expires_at).is_(None),
                        col(Prospect.claim_expires_at) <= at, Prospect.claimed_by == rep))
             .order_by(col(Prospect.queue_rank), col(Prospect.priority).desc(),
                       col(Prospect.queue_due_at), col(Prospect.id)))
    offset = 0
    while True:
        page = list(session.exec(query.offset(offset).limit(PAGE)))
        if not page:
            return
        yield page
        offset += len(page)


@dataclass
class _PageFacts:
    phones: dict[int, list[PhoneNumber]]
    dnc: set[str]
    dnc_people: set[int]
    recent: dict
    use_counts: dict[int, int]
    due: dict[int, FollowUp] = field(default_factory=dict)


def _facts(session: Session, page: list[Prospect], at: datetime) -> _PageFacts:
    ids = [p.id for p in page]
    phones = repo.phones_of(session, prospect_ids=ids)  # type: ignore[arg-type]
    facts = _PageFacts(
        phones=phones,
        dnc=repo.dnc_numbers(session, e164s=[n.e164 for ns in phones.values() for n in ns]),
        dnc_people=repo.dnc_people(session, prospect_ids=ids),  # type: ignore[arg-type]
        recent=repo.recent_touches(session, prospect_ids=ids, since=at - WINDOW_24H),  # type: ignore[arg-type]
        use_counts=repo.phone_use_counts(session, prospect_ids=ids),  # type: ignore[arg-type]
    )
    for fu in session.exec(select(FollowUp).where(col(FollowUp.prospect_id).in_(ids),
                                                  repo.follow_up_is_open(),  # the prospect index
                                                  FollowUp.due_start <= at)):
        held = facts.due.get(fu.prospect_id)
        if held is None or (_KIND_RANK[fu.kind], fu.due_start) < (_KIND_RANK[held.kind],
                                                                   held.due_start):
            facts.due[fu.prospect_id] = fu  # the strongest reason due now wins
    return facts


def _judge(bundle: Bundle, prospect: Prospect, phone: PhoneNumber | None, at: datetime,
           recent: list) -> Verdict:
    calls = [t for t in recent if t.channel in ("call", "voicemail")]
    return calling_hours.judge(bundle.rules, target_for(prospect, phone), at,
                               attempts_24h=len(calls),
                               oldest_attempt_24h=calls[-1].started_at if calls else None,
                               user_window=bundle.settings.window())


def build_queue(session: Session, bundle: Bundle, *, at: datetime, limit: int = 200,
                rep: str = "", max_scan: int = 20_000) -> list[QueueItem]:
    """The next `limit` callable entries at instant `at`.

    SQL orders by the rank stored on the prospect (that of its earliest open follow-up); a
    prospect whose stronger follow-up has come due meanwhile (a promise window opening while an
    email task is still open) is moved up among the entries found (a stable sort), so the
    promise is kept even with an email task left undone."""
    items: list[QueueItem] = []
    scanned = 0
    for page in _candidates(session, at, rep):
        facts = _facts(session, page, at)
        for prospect in page:
            item = _item(bundle, prospect, facts, at, rep)
            if item is not None:
                items.append(item)
        scanned += len(page)
        if len(items) >= limit or scanned >= max_scan:
            break
    items.sort(key=lambda i: _REASON_RANK[i.reason])
    return items[:limit]


def _item(bundle: Bundle, prospect: Prospect, facts: _PageFacts, at: datetime, rep: str
          ) -> QueueItem | None:
    pid = prospect.id
    assert pid is not None
    if pid in facts.dnc_people or prospect.status == STATUS_DNC:
        return None
    if prospect.status in TERMINAL_STATUSES and not (prospect.recycle_at
                                                     and prospect.recycle_at <= at):
        return None
    fu = facts.due.get(pid)
    if (fu is not None and fu.kind == FU_CALLBACK and fu.owner and rep and fu.owner != rep
            and bundle.settings.callbacks_mine_only):
        return None  # a callback asked of another rep stays theirs
    channel = fu.channel if fu is not None else "call"
    numbers = dialable(facts.phones.get(pid, []), facts.dnc)
    phone = pick_number(numbers, facts.use_counts)
    recent = facts.recent.get(pid, [])
    if channel == "call":
        if phone is None:
            return None
        verdict = _judge(bundle, prospect, phone, at, recent)
        if not verdict.callable:
            return None
    else:  # a cadence task on another channel: no calling hours apply
        verdict = _judge(bundle, prospect, phone, at, [])
    reason = RANK_NAMES[_KIND_RANK[fu.kind]] if fu is not None else RANK_NAMES.get(
        prospect.queue_rank, "new")
    detail = reason
    if fu is not None:
        detail = {"callback": f"asked for a call {fu.label}", "promise": f"promised {fu.label}",
                  }.get(fu.kind, f"step {(fu.step_index or 0) + 1}: {fu.channel}")
    elif prospect.queue_rank == RANK_CALLBACK:
        detail = "callback"
    return QueueItem(pid, prospect.name, prospect.company, phone.e164 if phone else "",
                     phone.id if phone else None, phone.kind if phone else "", channel, reason,
                     detail, prospect.queue_due_at, verdict)


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


def explain(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime) -> Explanation:
    """Why a prospect is or is not callable at `at`, and when it next will be."""
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        raise LookupError(f"no prospect with id {prospect_id}")
    facts = _facts(session, [prospect], at)
    phones = facts.phones.get(prospect_id, [])
    reasons: list[str] = []
    numbers = []
    for p in phones:
        state = ("on the do-not-call list" if p.do_not_call or p.e164 in facts.dnc else
                 "bad number" if p.bad else "invalid" if not p.valid else "ok")
        numbers.append({"phone": p.e164, "kind": p.kind, "state": state})
    usable = dialable(phones, facts.dnc)
    phone = pick_number(usable, facts.use_counts)
    verdict = _judge(bundle, prospect, phone or (phones[0] if phones else None), at,
                     facts.recent.get(prospect_id, []))
    blocked = False
    if prospect.status in TERMINAL_STATUSES:
        until = f" until {prospect.recycle_at:%Y-%m-%d}" if prospect.recycle_at else ""
        reasons.append(f"blocked: status {prospect.status}{until}")
        blocked = True
    if prospect_id in facts.dnc_people:
        reasons.append("blocked: the person is on the do-not-call list")
        blocked = True
    if not usable:
        reasons.append("blocked: no dialable number (all do-not-call, bad or invalid)")
        blocked = True
    if not blocked:
        reasons.extend(verdict.reasons)
    callable_now = verdict.callable and not blocked
    due = prospect.queue_due_at is not None and prospect.queue_due_at <= at and not blocked
    if not blocked and not due and prospect.queue_due_at is not None:
        local = prospect.queue_due_at.astimezone(verdict.local_time.tzinfo)
        reasons.append(f"not due yet: next {RANK_NAMES.get(prospect.queue_rank, 'touch')} "
                       f"from {local:%a %d %b %H:%M} their time")
    if prospect.claim_expires_at and prospect.claim_expires_at > at:
        reasons.append(f"claimed by {prospect.claimed_by} until "
                       f"{prospect.claim_expires_at:%H:%M} UTC")
    return Explanation(prospect_id, callable_now, due, reasons,
                       None if blocked else verdict.next_allowed, verdict,
                       phone.e164 if phone else "", numbers)


def claim_next(session: Session, bundle: Bundle, *, rep: str, at: datetime,
               lease_minutes: int | None = None) -> QueueItem | None:
    """Claim the head of the queue for `rep` with a lease; two reps never get the same prospect.

    The claim is a compare-and-set UPDATE (only if unclaimed or expired): on SQLite the
    transaction holds the write lock from its BEGIN IMMEDIATE; on PostgreSQL a concurrent claim
    of the same row waits, re-checks the condition and moves on to the next candidate."""
    lease = timedelta(minutes=lease_minutes or bundle.settings.lease_minutes)
    postgres = session.get_bind().dialect.name == "postgresql"
    held = set(session.exec(select(Prospect.id).where(Prospect.claimed_by == rep,
                                                      col(Prospect.claim_expires_at) > at)))
    for item in build_queue(session, bundle, at=at, limit=50, rep=rep):
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
                                   or_(col(Prospect.claim_expires_at).is_(None),
                                       col(Prospect.claim_expires_at) <= at))
            .values(claimed_by=rep, claim_expires_at=at + lease))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return item
    session.commit()
    return None


def release(session: Session, *, prospect_id: int, rep: str) -> None:
    session.execute(update(Prospect).where(col(Prospect.id) == prospect_id,
                                           Prospect.claimed_by == rep)
                    .values(claimed_by="", claim_expires_at=None))
    session.commit()
