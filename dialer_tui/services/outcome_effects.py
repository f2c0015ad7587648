"""What a logged outcome sets in motion, written in log_outcome's transaction: the follow-ups it
completes (_close_follow_ups) or cancels (_cancel_open), the next cadence step and a voicemail's
promise (_advance_cadence), and do-not-call for the person and every number (_dnc_person).

Called only by calling.log_outcome (which re-exports these names); like it, a handful of indexed
reads and writes, on the cockpit's one-key path."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from dialer_tui.domain.cadence import parts_called, plan_after
from dialer_tui.domain.outcomes import Outcome
from dialer_tui.services.bundle import Bundle
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CADENCE,
    FU_CALLBACK,
    FU_CANCELLED,
    FU_DONE,
    FU_MISSED,
    FU_PROMISE,
    STATUS_UNRESPONSIVE,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
)


def _close_follow_ups(session: Session, prospect_id: int, touch: Touch, disp: Outcome,
                      at: datetime) -> None:
    """The touch completes what was due: the cadence step, a callback, a promise (kept when it
    falls inside the promised window, missed when the window had already passed)."""
    for fu in repo.open_follow_ups(session, prospect_id=prospect_id):
        if fu.due_start > at + timedelta(hours=12) and fu.kind != FU_CADENCE:
            continue  # a promise or callback for later stays open
        if fu.kind in (FU_PROMISE, FU_CALLBACK) and not disp.is_call:
            continue  # an email does not keep a promise to call
        if fu.kind == FU_PROMISE and fu.due_end is not None and at > fu.due_end:
            fu.status = FU_MISSED
        else:
            fu.status = FU_DONE
        fu.closed_at, fu.closed_by_touch_id = at, touch.id
        session.add(fu)


def _cancel_open(session: Session, prospect_id: int, touch: Touch) -> None:
    for fu in repo.open_follow_ups(session, prospect_id=prospect_id):
        fu.status, fu.closed_at, fu.closed_by_touch_id = FU_CANCELLED, touch.started_at, touch.id
        session.add(fu)


def _dnc_person(session: Session, prospect: Prospect, phones: list[PhoneNumber], at: datetime,
                undo: dict) -> None:
    """Do not call: the person and every one of their numbers, at once, timestamped."""
    entries = [repo.add_dnc(session, at=at, prospect_id=prospect.id, source="outcome",
                            reason="asked not to be called")]
    for phone in phones:
        if not phone.do_not_call:
            undo["dnc_phone_ids"].append(phone.id)
        entries.append(repo.add_dnc(session, at=at, e164=phone.e164, prospect_id=prospect.id,
                                    source="outcome", reason="asked not to be called"))
    session.flush()
    undo["dnc_entry_ids"].extend(e.id for e in entries)


def _advance_cadence(session: Session, bundle: Bundle, prospect: Prospect, touch: Touch,
                     disp: Outcome, zone, at: datetime, promises: bool,
                     not_before: datetime | None = None) -> str:
    """Schedule the next cadence step; a voicemail that promised the next call records it
    (`promises`: the voicemail read says when, domain.playbook.promises)."""
    cf = bundle.cadences
    step = prospect.cadence_step + 1
    prospect.cadence_step = step
    recent = repo.touches_of(session, prospect_id=prospect.id, limit=3)  # type: ignore[arg-type]
    first = prospect.first_touch_at or at
    planned, promised = plan_after(
        cf, step=step, first_touch_at=first, at=at, zone=zone, voicemail=disp.channel ==
        "voicemail", recent_parts=parts_called(cf, [(t.started_at, t.channel)
                                                    for t in reversed(recent)], zone),
        not_before=not_before)
    if planned is None:  # past the last step: seven-plus tries made, let it rest
        prospect.status = STATUS_UNRESPONSIVE
        prospect.recycle_at = at + timedelta(days=cf.unresponsive_recycle_days)
        return ""
    label = planned.label
    if promises and promised is not None:
        session.add(FollowUp(prospect_id=prospect.id, kind=FU_PROMISE, channel="call",  # type: ignore[arg-type]
                             due_start=promised.due_start, due_end=promised.due_end,
                             step_index=promised.step_index, template_id=promised.template,
                             label=promised.day_label, owner=touch.rep, touch_id=touch.id,
                             created_at=at))
        touch.promised_start = promised.due_start
        touch.promised_label = label = promised.label
        if promised.step_index == step:
            return label
    if not _has_open_step(session, prospect.id, step):  # type: ignore[arg-type]
        session.add(FollowUp(prospect_id=prospect.id, kind=FU_CADENCE, channel=planned.channel,  # type: ignore[arg-type]
                             due_start=planned.due_start, due_end=planned.due_end,
                             step_index=step, template_id=planned.template,
                             label=planned.day_label,
                             touch_id=touch.id, created_at=at))
    return label


def _has_open_step(session: Session, prospect_id: int, step: int) -> bool:
    return session.exec(select(FollowUp.id).where(
        FollowUp.prospect_id == prospect_id, repo.follow_up_is_open(),
        FollowUp.step_index == step)).first() is not None
