"""Logging an outcome and everything it implies, in one transaction; and undoing it.

This is the one-key path of the cockpit (25 ms budget for commit + next prospect shown), so it
does a handful of indexed reads and writes and nothing else.

Here: log_outcome, its checks (number, compliance, re-dial, the time agreed) and slot_reader;
undo_touch. What an outcome writes to follow-ups and the do-not-call list is
outcome_effects.py's (its names re-exported here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import true
from sqlmodel import Session, col, select

from dialer_tui.channels import CALL_CHANNELS
from dialer_tui.domain.agreed_time import SlotReader
from dialer_tui.domain.cadence import ATTEMPT_SPACING
from dialer_tui.domain.outcomes import Outcome
from dialer_tui.domain.phones import PhoneError, parse_phone, typing_region
from dialer_tui.domain.playbook import promises
from dialer_tui.domain.when import WhenError
from dialer_tui.errors import InputError
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.gate import decide
from dialer_tui.services.outcome_effects import (  # noqa: F401 - _has_open_step re-exported
    _advance_cadence,
    _cancel_open,
    _close_follow_ups,
    _dnc_person,
    _has_open_step,
)
from dialer_tui.services.targets import dialable, pick_number, target_for, zone_of
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_OPEN,
    STATUS_DNC,
    STATUS_NEW,
    STATUS_WORKING,
    TERMINAL_STATUSES,
    DncEntry,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
)

_UNDO_FIELDS = ("status", "recycle_at", "attempts", "cadence_step", "first_touch_at",
                "last_attempt_at", "queue_rank", "queue_due_at", "queue_owner", "claimed_by",
                "claim_expires_at", "updated_at")
VOICEMAIL_GAP = timedelta(hours=1)  # seed 004: never a second voicemail within the hour
CALLBACK_LENGTH = timedelta(minutes=30)


class OutcomeError(InputError):
    """Bad input to log_outcome: unknown prospect, outcome, number or callback time."""


@dataclass
class Logged:
    touch_id: int
    prospect_id: int
    outcome: str
    phone_e164: str
    next_label: str = ""  # "Thursday morning": the promised or planned next attempt
    callback_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    compliance: str = ""  # what the touch records of a call the rules did not allow
    read_as: tuple[str, ...] = ()  # how the words of the time agreed were read ("1/20": 20 Jan)

    def to_json(self) -> dict:
        return {"touch_id": self.touch_id, "prospect_id": self.prospect_id,
                "outcome": self.outcome, "phone": self.phone_e164, "next": self.next_label,
                "callback_at": self.callback_at.isoformat() if self.callback_at else None,
                "warnings": self.warnings, "compliance": self.compliance}


def _state(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _phone_for(session: Session, bundle: Bundle, prospect: Prospect, phones: list[PhoneNumber],
               usable: list[PhoneNumber], phone_text: str | None, outcome: Outcome
               ) -> PhoneNumber | None:
    if phone_text:
        try:
            region = typing_region(prospect.country, (p.e164 for p in phones),
                                   bundle.settings.region)
            e164 = parse_phone(phone_text, region).e164
        except PhoneError as exc:
            raise OutcomeError(f"--phone {phone_text!r}: {exc}") from None
        match = next((p for p in phones if p.e164 == e164), None)
        if match is None:
            raise OutcomeError(f"--phone {e164} is not a number of prospect {prospect.id}")
        return match
    if not outcome.is_call:
        return None
    counts = repo.phone_use_counts(session, prospect_ids=[prospect.id])  # type: ignore[list-item]
    return pick_number(usable, counts) or (phones[0] if phones else None)


def _call_compliance(session: Session, bundle: Bundle, prospect: Prospect,
                     phones: list[PhoneNumber], dnc: set[str], number: PhoneNumber | None,
                     at: datetime, rep: str, override: str) -> str:
    """The gate's decision on a call that happened: "" when the rules allowed it, else what the
    touch records (the call is logged anyway: it happened)."""
    check = decide(session, bundle, prospect, phones, dnc, e164=number.e164 if number else None,
                   at=at)
    if check.allowed:
        return ""
    blocks = [r.removeprefix("blocked: ") for r in check.reasons if r.startswith("blocked")]
    text = "outside the rules: " + "; ".join(blocks)
    if override:
        text += f" (override by {rep or 'the rep'}: {override})"
    return text


def _slot_reader(bundle: Bundle, prospect: Prospect, number: PhoneNumber | None,
                 usable: list[PhoneNumber]) -> SlotReader:
    return SlotReader(bundle.rules, target_for(prospect, number, usable, bundle.settings),
                      zone_of(bundle.rules, prospect, number), bundle.settings.region,
                      bundle.settings.window())


def slot_reader(session: Session, bundle: Bundle, *, prospect_id: int, phone: str | None = None,
                outcome: str = "callback_requested") -> SlotReader | None:
    """How log_outcome will read a time for this prospect (the same number, zone and rules), for
    a form that previews the slot while the rep types; None when the prospect is gone."""
    prospect = session.get(Prospect, prospect_id)
    disp = bundle.dispositions.get(outcome)
    if prospect is None or disp is None:
        return None
    phones = repo.phones_of(session, prospect_ids=[prospect_id]).get(prospect_id, [])
    usable = dialable(phones, repo.dnc_numbers(session, e164s=[p.e164 for p in phones]))
    try:
        number = _phone_for(session, bundle, prospect, phones, usable, phone, disp)
    except OutcomeError:
        number = None
    return _slot_reader(bundle, prospect, number, usable)


def _is_redial(session: Session, bundle: Bundle, prospect_id: int, disp: Outcome,
               at: datetime) -> bool:
    """A call that would advance the cadence, logged within ATTEMPT_SPACING of the last counted
    call attempt that did (four no-answers in two minutes are one attempt, not four): the plan
    that attempt made stands. A voicemail is never one: the prospect hears it, it promises the
    next call (the script says which) and keeps them out for the day, so it plans afresh."""
    if disp.follow_up != "next_step" or disp.channel != "call":
        return False
    last = session.exec(select(Touch.outcome).where(
        Touch.prospect_id == prospect_id, col(Touch.channel).in_(CALL_CHANNELS),
        Touch.counts_attempt == true(),
        Touch.started_at > at - ATTEMPT_SPACING, Touch.started_at <= at)
        .order_by(col(Touch.started_at).desc()).limit(1)).first()
    if last is None:
        return False
    # After a callback request (or another outcome that plans nothing) this call is the one the
    # prospect asked for, or starts the cadence: it counts.
    before = bundle.dispositions.get(last)
    return before is not None and before.follow_up == "next_step"


def _plan_stands(session: Session, prospect_id: int) -> str:
    fu = next(iter(repo.open_follow_ups(session, prospect_id=prospect_id)), None)
    return f"re-dial: the plan stands ({fu.label})" if fu and fu.label else \
        "re-dial: the plan stands"


def log_outcome(session: Session, bundle: Bundle, *, prospect_id: int, outcome: str,
                at: datetime, phone: str | None = None, note: str = "",
                callback: str | None = None, rep: str = "", template_id: str = "",
                value_prop_id: str = "", objection_id: str = "", duration_s: int | None = None,
                override: str = "", client_id: str = "",
                commit: bool = True) -> Logged:
    """Record one touch and apply its consequences; committed before returning.

    A call the rules did not allow at `at` is logged all the same (it happened), with a warning
    and the reason on the touch; `override` is the rep's stated reason for dialling anyway."""
    disp = bundle.dispositions.get(outcome)
    if disp is None:
        raise OutcomeError(f"unknown outcome {outcome!r}; one of: "
                           + ", ".join(bundle.dispositions.names()))
    # Locked until the commit (PostgreSQL; SQLite's writer holds the write lock), and read
    # afresh: two reps' outcomes on one prospect at once both count (issue 18, finding 5).
    prospect = repo.take_prospect(session, prospect_id=prospect_id)
    if prospect is None:
        raise OutcomeError(f"no prospect with id {prospect_id}")
    holder = repo.lease_holder(prospect, rep=rep, now=repo.lease_clock(session, at=at))
    phones = repo.phones_of(session, prospect_ids=[prospect_id]).get(prospect_id, [])
    dnc = repo.dnc_numbers(session, e164s=[p.e164 for p in phones])
    usable = dialable(phones, dnc)
    number = _phone_for(session, bundle, prospect, phones, usable, phone, disp)
    zone = zone_of(bundle.rules, prospect, number)
    redial = _is_redial(session, bundle, prospect_id, disp, at)
    warnings: list[str] = []
    compliance = ""
    if disp.is_call:
        compliance = _call_compliance(session, bundle, prospect, phones, dnc, number, at, rep,
                                      override.strip())
        if compliance:
            warnings.append(f"this call was {compliance}")
    callback_at, read_as = None, ()
    if callback and disp.follow_up != "callback" and disp.asks is None:
        # A time the outcome cannot keep is refused rather than dropped silently.
        raise OutcomeError(f"--when is not recorded for {disp.name}: it is for a callback, "
                           "a meeting or the gatekeeper's next attempt")
    if disp.follow_up == "callback" and not callback:
        raise OutcomeError("callback_requested needs a time: --when 'thu 9am'")
    if callback:
        try:
            slot = _slot_reader(bundle, prospect, number, usable).read(callback, at)
        except WhenError as exc:
            raise OutcomeError(f"--when: {exc}") from None
        read_as = slot.notes
        if disp.asks == "meeting":  # a meeting is not a call: its time is as agreed
            callback_at = slot.wanted.astimezone(timezone.utc)
        else:
            callback_at = slot.at
            if slot.moved:
                warnings.append(slot.moved)
        # A gatekeeper who said when to try is news, not a re-dial: the plan moves to then.
        redial = redial and disp.asks != "next_attempt"
    if disp.channel == "voicemail":
        last_vm = session.exec(select(Touch.started_at).where(
            Touch.prospect_id == prospect_id, Touch.channel == "voicemail")
            .order_by(col(Touch.started_at).desc()).limit(1)).first()
        if last_vm is not None and at - last_vm < VOICEMAIL_GAP:
            warnings.append("a second voicemail within the hour (the seeds say don't)")

    undo: dict = {"prospect": {f: _state(getattr(prospect, f)) for f in _UNDO_FIELDS},
                  "bad_phone_ids": [], "dnc_entry_ids": [], "dnc_phone_ids": []}
    touch = Touch(prospect_id=prospect_id, phone_id=number.id if number else None,
                  phone_e164=number.e164 if number else "", channel=disp.channel,
                  outcome=disp.name, started_at=at, duration_s=duration_s, note=note,
                  counts_attempt=disp.attempt and not redial, connected=disp.connect,
                  template_id=template_id, value_prop_id=value_prop_id,
                  objection_id=objection_id, rep=rep,
                  compliance=compliance, client_id=client_id)
    session.add(touch)
    session.flush()

    if (prospect.status in TERMINAL_STATUSES and prospect.status != STATUS_DNC
            and prospect.recycle_at is not None and prospect.recycle_at <= at):
        # Recycled: a fresh cycle of the cadence starts with this touch.
        prospect.status, prospect.recycle_at = STATUS_WORKING, None
        prospect.cadence_step, prospect.first_touch_at = 0, at
    if not redial:  # a re-dial completes nothing: what was due was closed by the attempt
        _close_follow_ups(session, prospect_id, touch, disp, at)
    if touch.counts_attempt:
        prospect.attempts += 1
    prospect.first_touch_at = prospect.first_touch_at or at
    if disp.is_call and not redial:
        prospect.last_attempt_at = at
    if prospect.status == STATUS_NEW:
        prospect.status = STATUS_WORKING
    if holder:  # another rep's live lease stands: they have this prospect on screen
        warnings.append(f"{holder} holds this prospect now; their lease stands")
    else:
        prospect.claimed_by, prospect.claim_expires_at = "", None  # an outcome releases it
    prospect.updated_at = at

    if disp.bad_number and number is not None:
        number.bad = True
        undo["bad_phone_ids"].append(number.id)
        session.add(number)
    if disp.dnc == "person":
        _dnc_person(session, prospect, phones, at, undo)
    elif disp.dnc == "number" and number is not None:
        entry = repo.add_dnc(session, at=at, e164=number.e164, source="outcome",
                             reason=f"{disp.label} (touch {touch.id})")
        session.flush()
        undo["dnc_entry_ids"].append(entry.id)

    next_label = ""
    if disp.terminal:
        prospect.status = disp.terminal
        prospect.recycle_at = at + timedelta(days=disp.recycle_days) if disp.recycle_days else None
        _cancel_open(session, prospect_id, touch)
    elif disp.follow_up == "callback":
        assert callback_at is not None
        local = callback_at.astimezone(zone)
        session.add(FollowUp(prospect_id=prospect_id, kind=FU_CALLBACK, channel="call",
                             due_start=callback_at, due_end=callback_at + CALLBACK_LENGTH,
                             label=f"{local:%A %H:%M}", owner=rep, touch_id=touch.id,
                             created_at=at))
        next_label = f"{local:%A %d %b %H:%M} ({zone.key})"
    elif redial:
        next_label = _plan_stands(session, prospect_id)
    elif disp.follow_up == "next_step":
        next_label = _advance_cadence(session, bundle, prospect, touch, disp, zone, at,
                                      promises=disp.promise and promises(bundle.playbook,
                                                                         template_id),
                                      not_before=callback_at)
    if disp.asks == "next_attempt" and callback_at is not None:
        # The gatekeeper's "try Monday 10": the next call is due then, ahead of the cadence's
        # own plan (a written step in between still comes due as planned).
        local = callback_at.astimezone(zone)
        session.add(FollowUp(prospect_id=prospect_id, kind=FU_CALLBACK, channel="call",
                             due_start=callback_at, due_end=callback_at + CALLBACK_LENGTH,
                             label=f"{local:%A %H:%M} (their gatekeeper's advice)", owner=rep,
                             touch_id=touch.id, created_at=at))
        next_label = f"try again {local:%A %d %b %H:%M} ({zone.key}), as the gatekeeper said"
    if disp.asks == "meeting" and callback_at is not None:
        # The meeting's time, on its touch (history, the calendar export).
        local = callback_at.astimezone(zone)
        touch.promised_start = callback_at
        touch.promised_label = f"meeting {local:%a %d %b %H:%M}"
        next_label = f"meeting {local:%A %d %b %H:%M} ({zone.key})"
    touch.undo_state = json.dumps(undo)
    session.add(touch)
    session.flush()
    repo.refresh_queue_state(session, prospect=prospect)
    if commit:
        session.commit()
    return Logged(touch.id, prospect_id, disp.name, touch.phone_e164, next_label,  # type: ignore[arg-type]
                  callback_at, warnings, compliance, read_as)


def undo_touch(session: Session, *, touch_id: int) -> Touch:
    """Take back a logged outcome: the touch, what it scheduled, closed, flagged or listed."""
    touch = session.get(Touch, touch_id)
    if touch is None:
        raise OutcomeError(f"no touch with id {touch_id}")
    if not touch.undo_state:
        raise OutcomeError(f"touch {touch_id} cannot be undone (imported or already undone)")
    # Locked as an outcome locks it, so no outcome lands between this check and the commit.
    prospect = repo.take_prospect(session, prospect_id=touch.prospect_id)
    assert prospect is not None
    # Undo puts the prospect back as this touch found it: after a later touch (another rep's,
    # or this rep's own in another window) that would erase the later one's consequences.
    later = session.exec(select(Touch.rep).where(Touch.prospect_id == touch.prospect_id,
                                                 col(Touch.id) > touch.id).limit(1)).first()
    if later is not None:
        raise OutcomeError(f"{later or 'someone'} logged an outcome for this prospect since: "
                           "undoing this one would erase it (log a correction instead)")
    undo = json.loads(touch.undo_state)
    for name, value in undo["prospect"].items():
        if value is not None and name.endswith("_at"):
            value = datetime.fromisoformat(value)
        setattr(prospect, name, value)
    session.add(prospect)
    for fu in session.exec(select(FollowUp).where(FollowUp.touch_id == touch_id)):
        session.delete(fu)
    for fu in session.exec(select(FollowUp).where(FollowUp.closed_by_touch_id == touch_id)):
        fu.status, fu.closed_at, fu.closed_by_touch_id = FU_OPEN, None, None
        session.add(fu)
    for pid in undo["bad_phone_ids"]:
        phone = session.get(PhoneNumber, pid)
        if phone:
            phone.bad = False
            session.add(phone)
    for pid in undo["dnc_phone_ids"]:
        phone = session.get(PhoneNumber, pid)
        if phone:
            phone.do_not_call = False
            session.add(phone)
    for eid in undo["dnc_entry_ids"]:
        entry = session.get(DncEntry, eid)
        if entry:
            session.delete(entry)
    for referred_id in undo.get("referral_ids", []):  # services.referral.create_referral
        _remove_unworked_prospect(session, referred_id)
    session.flush()
    session.delete(touch)
    session.commit()
    return touch


def _remove_unworked_prospect(session: Session, prospect_id: int) -> None:
    """Delete a prospect an undone outcome created (a referral), unless it has been worked since:
    once it has a touch of its own it is somebody the rep has talked to, and it stays."""
    if session.exec(select(Touch.id).where(Touch.prospect_id == prospect_id)).first() is not None:
        return
    for model in (PhoneNumber, FollowUp, DncEntry):
        for row in session.exec(select(model).where(model.prospect_id == prospect_id)):
            session.delete(row)
    session.flush()  # its rows first: they refer to it
    prospect = session.get(Prospect, prospect_id)
    if prospect is not None:
        session.delete(prospect)
