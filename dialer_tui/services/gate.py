"""The one gate every path that reaches a phone asks, at the instant it acts.

`d` and power mode in the cockpit, `n` (which number the dossier judges), `dialer-tui next` and
`log` of a call, and `why` all judge through judge_person(): the exact number, for the person
(every zone of the number and of the address, the laws presumed by any of the person's dialable
numbers, the rolling cap counted over the person's calls on every number), never a cached
verdict. The queue (services/queue.py) judges its rows with the same function, so nothing it
offers is something `why` at the same instant would call blocked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlmodel import Session

from dialer_tui.domain import calling_hours
from dialer_tui.domain.calling_hours import Verdict
from dialer_tui.domain.phones import number_state
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.targets import NumberLike, dialable, pick_number, target_for
from dialer_tui.store import repo
from dialer_tui.store.models import STATUS_DNC, TERMINAL_STATUSES, PhoneNumber, Prospect


def judge_person(bundle: Bundle, prospect, number: NumberLike | None,
                 numbers: Sequence[NumberLike], calls: Sequence[datetime], at: datetime
                 ) -> Verdict:
    """The calling-hours verdict for dialling `number` of `prospect` at `at`; `numbers` are the
    person's dialable numbers, `calls` their calls before `at`, newest first, going back at
    least the verdict's cap period (calling_hours.longest_cap_period covers every rule: 24 h
    for Florida's cap, 30 days for France's)."""
    return calling_hours.judge(bundle.rules,
                               target_for(prospect, number, numbers, bundle.settings), at,
                               calls=calls, user_window=bundle.settings.window())


def person_blocks(prospect, at: datetime, *, listed: bool) -> list[str]:
    """What stops any call to the person, whatever the number: do-not-call (the person listed,
    or the status), a terminal status until its recycle date."""
    out = []
    if listed or prospect.status == STATUS_DNC:
        out.append("blocked: the person is on the do-not-call list")
    elif prospect.status in TERMINAL_STATUSES and not (prospect.recycle_at
                                                       and prospect.recycle_at <= at):
        until = f" until {prospect.recycle_at:%Y-%m-%d}" if prospect.recycle_at else ""
        out.append(f"blocked: status {prospect.status}{until}")
    return out


@dataclass(frozen=True)
class DialCheck:
    """The gate's answer for one number of one prospect at one instant."""

    prospect_id: int
    e164: str  # the number judged ("" when the person has none to dial)
    allowed: bool
    reasons: tuple[str, ...]  # the blocking reasons first, then the verdict's
    next_allowed: datetime | None  # when the calling hours and caps next allow it
    verdict: Verdict | None
    number_states: tuple[tuple[str, str, str], ...]  # (e164, kind, state) of every number

    def refusal(self, zone_name: str = "") -> str:
        """One line for the rep: why not, and when next."""
        why = next((r for r in self.reasons if r.startswith("blocked")), "blocked")
        if self.next_allowed is not None and self.verdict is not None:
            local = self.next_allowed.astimezone(self.verdict.local_time.tzinfo)
            return f"Not dialled: {why[len('blocked: '):]}; next allowed {local:%a %H:%M} " \
                   f"in {zone_name or self.verdict.time_zone}"
        return f"Not dialled: {why.removeprefix('blocked: ')}"


def decide(session: Session, bundle: Bundle, prospect: Prospect, phones: list[PhoneNumber],
           dnc: set[str], *, e164: str | None, at: datetime) -> DialCheck:
    """The decision, on the prospect's numbers already read: `e164` (None: the number the
    queue would pick) at `at`. Reads the do-not-call people and the person's calls in the
    longest cap period of any rule before `at` (log_outcome asks before its touch is written)."""
    pid: int = prospect.id  # type: ignore[assignment]
    states = tuple((p.e164, p.kind, number_state(p, dnc)) for p in phones)
    usable = dialable(phones, dnc)
    reasons = person_blocks(prospect, at, listed=bool(repo.dnc_people(session,
                                                                      prospect_ids=[pid])))
    if e164:
        number = next((p for p in phones if p.e164 == e164), None)
        if number is None:
            reasons.append(f"blocked: {e164} is not a number of this prospect")
        elif number not in usable:
            reasons.append(f"blocked: {e164} is {number_state(number, dnc)}")
    else:
        number = pick_number(usable, repo.phone_use_counts(session, prospect_ids=[pid]))
        if number is None:
            reasons.append("blocked: no dialable number (all do-not-call, bad or invalid)")
    calls = repo.recent_call_times(session, prospect_ids=[pid],
                                   since=at - calling_hours.longest_cap_period(bundle.rules)
                                   ).get(pid, [])
    verdict = judge_person(bundle, prospect, number or (phones[0] if phones else None), usable,
                           calls, at)
    judged = number.e164 if number else (e164 or "")
    if reasons:
        return DialCheck(pid, judged, False, tuple(reasons), None, verdict, states)
    return DialCheck(pid, judged, verdict.callable, verdict.reasons, verdict.next_allowed,
                     verdict, states)


def check_dial(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime,
               e164: str | None = None) -> DialCheck:
    """May `e164` (default: the number the queue would pick) of the prospect be dialled at `at`?

    Raises LookupError for an unknown prospect."""
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        raise LookupError(f"no prospect with id {prospect_id}")
    phones = repo.phones_of(session, prospect_ids=[prospect_id]).get(prospect_id, [])
    dnc = repo.dnc_numbers(session, e164s=[p.e164 for p in phones])
    return decide(session, bundle, prospect, phones, dnc, e164=e164, at=at)
