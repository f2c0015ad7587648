"""What the cockpit shows for one prospect, and the small edits it makes between dials.

Plain Python (no Textual): the cockpit calls these from thread workers, one Session per call, and
gets plain data back. The one-key outcome itself is services.calling.log_outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dialer_tui.domain import scripts
from dialer_tui.domain.cadence import parts_called, plan_after
from dialer_tui.domain.phones import PhoneError, parse_phone, region_of, typing_region
from dialer_tui.services import queue as queue_service
from dialer_tui.services import review
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.rows import ProspectRow
from dialer_tui.store import repo
from dialer_tui.store.models import FU_CADENCE, PhoneNumber, Prospect, Touch


@dataclass
class ProspectView:
    """Everything the dossier and script panes need for one prospect at one instant."""

    dossier: review.Dossier
    explanation: queue_service.Explanation
    script: scripts.Script
    task: scripts.RenderedMessage | None  # a due email/LinkedIn/letter step, rendered
    next_attempt: str  # "Thursday morning": what a voicemail now would promise
    step_index: int
    total_steps: int
    at: datetime

    @property
    def prospect_id(self) -> int:
        return self.dossier.prospect.id


def script_values(bundle: Bundle, prospect: ProspectRow, next_attempt: str) -> dict[str, str]:
    s = bundle.settings
    return {
        "first_name": prospect.first_name, "last_name": prospect.last_name,
        "title": prospect.title, "company": prospect.company, "industry": prospect.industry,
        "city": prospect.city, "referrer_name": prospect.referrer_name,
        "referrer_company": prospect.referrer_company, "assistant_name": prospect.assistant_name,
        "rep_name": s.rep_name, "rep_company": s.rep_company, "rep_mobile": s.rep_mobile,
        "next_attempt": next_attempt,
    }


def _next_attempt(bundle: Bundle, d: review.Dossier, at: datetime) -> str:
    """What a voicemail left now would promise: the planner log_outcome records it with
    (domain.cadence.plan_after), given the same touches, this voicemail at `at` included."""
    cf, p = bundle.cadences, d.prospect
    touches = [(t.started_at, t.channel) for t in reversed(d.touches[:2])] + [(at, "voicemail")]
    _planned, promised = plan_after(cf, step=p.cadence_step + 1,
                                    first_touch_at=p.first_touch_at or at, at=at, zone=d.zone,
                                    recent_parts=parts_called(cf, touches, d.zone),
                                    voicemail=True)
    return promised.label if promised else ""


def load_view(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime,
              phone: str | None = None) -> ProspectView | None:
    """The prospect's dossier and script at `at`; the verdict is the gate's for `phone` (the
    number the rep chose with `n`), else for the number the queue would pick."""
    d = review.dossier(session, bundle, prospect_id=prospect_id, at=at)
    if d is None:
        return None
    ex = queue_service.explain(session, bundle, prospect_id=prospect_id, at=at, phone=phone)
    p = d.prospect
    steps = bundle.cadences.cadence.steps
    step = min(p.cadence_step, len(steps) - 1)
    next_attempt = _next_attempt(bundle, d, at)
    values = script_values(bundle, p, next_attempt)
    pb = bundle.playbook
    script = scripts.build_script(
        pb, values, industry=p.industry, has_referrer=bool(p.referrer_name),  # type: ignore[arg-type]
        step_index=step, total_steps=len(steps),
        voicemails_left=sum(1 for s in steps[step:] if s.channel == "call"), seed=prospect_id)
    task = None
    due = next((f for f in d.follow_ups if f.kind == FU_CADENCE and f.channel != "call"
                and f.due_start <= at and f.template_id), None)
    if due is not None:
        try:
            task = scripts.render_message(pb, due.template_id, values,  # type: ignore[arg-type]
                                          industry=p.industry, seed=prospect_id)
        except KeyError:
            task = None  # a template removed from the playbook since: show no task text
    return ProspectView(d, ex, script, task, next_attempt, step, len(steps), at)


def set_touch_note(session: Session, *, touch_id: int, note: str) -> bool:
    touch = session.get(Touch, touch_id)
    if touch is None:  # undone in the meantime
        return False
    touch.note = note
    session.add(touch)
    session.commit()
    return True


def set_research_notes(session: Session, *, prospect_id: int, text: str, at: datetime) -> None:
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        raise LookupError(f"no prospect with id {prospect_id}")
    prospect.research_notes = text
    prospect.updated_at = at
    session.add(prospect)
    session.commit()


def add_phone(session: Session, *, prospect_id: int, raw: str, region: str, kind: str = "",
              note: str = "", at: datetime) -> PhoneNumber:
    """Save a typed number (any format) for a prospect, read in their country (`region`: the
    settings' region, when neither their country nor their numbers say one); PhoneError says
    why it cannot be used."""
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        raise LookupError(f"no prospect with id {prospect_id}")
    on_file = session.exec(select(PhoneNumber.e164).where(PhoneNumber.prospect_id == prospect_id))
    parsed = parse_phone(raw, typing_region(prospect.country, on_file, region))
    if not parsed.valid:
        raise PhoneError(f"{parsed.e164} is not an assigned number")
    existing = session.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == prospect_id,
                                                      PhoneNumber.e164 == parsed.e164)).first()
    if existing is not None:
        raise PhoneError(f"{parsed.e164} is already on file ({existing.kind})")
    phone = PhoneNumber(prospect_id=prospect_id, e164=parsed.e164, extension=parsed.extension,
                        raw=raw, kind=kind or ("mobile" if parsed.is_mobile else "direct"),
                        valid=True, number_type=parsed.number_type,
                        time_zones=" ".join(parsed.time_zones), note=note, created_at=at)
    session.add(phone)
    session.commit()
    return phone


def add_inbound(session: Session, *, e164: str, at: datetime) -> int:
    """A new prospect for an unknown number that called in: the number, its country, and a note
    saying when; the rep fills in the rest while talking (e: notes). Its id."""
    parsed = parse_phone(e164, "")
    if not parsed.valid:
        raise PhoneError(f"{parsed.e164} is not an assigned number")
    existing = session.exec(select(PhoneNumber.prospect_id)
                            .where(PhoneNumber.e164 == parsed.e164)).first()
    if existing is not None:
        return existing  # someone added it meanwhile: open theirs
    prospect = Prospect(country=region_of(parsed.e164), source="inbound",
                        research_notes=f"Called in from {parsed.e164} on {at:%Y-%m-%d %H:%M} UTC",
                        created_at=at, updated_at=at, queue_due_at=at)
    session.add(prospect)
    session.flush()
    session.add(PhoneNumber(prospect_id=prospect.id, e164=parsed.e164, raw=e164,  # type: ignore[arg-type]
                            kind="mobile" if parsed.is_mobile else "direct", valid=True,
                            number_type=parsed.number_type,
                            time_zones=" ".join(parsed.time_zones), created_at=at))
    repo.refresh_queue_state(session, prospect=prospect)
    session.commit()
    return prospect.id  # type: ignore[return-value]
