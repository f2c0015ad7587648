"""Judging one page of the queue's candidates in Python: numbers, do-not-call, calling hours,
caps (_page_items), with the calling-hours verdicts memoised within a build (_Verdicts), and the
QueueItem each callable row becomes (_item).

The page comes from queue_candidates.py; queue.py's build_queue calls this page by page until its
window is full (and re-exports these names)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlmodel import Session

from dialer_tui.domain.calling_hours import CAP_WINDOW, Verdict
from dialer_tui.domain.phones import area_code, region_of
from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.domain.regions import get_zone
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.gate import judge_person
from dialer_tui.services.queue_candidates import _Candidate
from dialer_tui.services.rows import is_missed
from dialer_tui.services.targets import consent_on, person_area_codes, pick_number
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CALLBACK,
    RANK_CALLBACK,
    RANK_NAMES,
    RANK_OF_KIND,
    STATUS_DNC,
    TERMINAL_STATUSES,
)


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
