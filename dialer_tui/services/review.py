"""Reviewing a prospect: the dossier data, the touch history and the pre-call brief.

Returns plain dataclasses (the UI and the CLI render them; neither builds a query)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dialer_tui.clock import local_zone
from dialer_tui.domain.cadence import MIN_ATTEMPTS
from dialer_tui.domain.phones import display, normalise_query
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.rows import (
    DncRow,
    FollowUpRow,
    PhoneRow,
    ProspectRow,
    TouchRow,
    is_missed,
)
from dialer_tui.services.targets import line_and_consent, zone_of
from dialer_tui.store import repo
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_PROMISE,
    DncEntry,
    PhoneNumber,
    Prospect,
)

HISTORY_WINDOW = 500  # touches loaded with a dossier; the history screen pages further


def phone_json(p: PhoneNumber | PhoneRow) -> dict:
    return {"phone": p.e164, "extension": p.extension, "kind": p.kind, "valid": p.valid,
            "type": p.number_type, "do_not_call": p.do_not_call, "bad": p.bad, "note": p.note,
            "time_zones": p.time_zones.split()}


def prospect_json(p: Prospect) -> dict:
    data = p.model_dump()
    data["name"] = p.name
    data["custom_fields"] = json.loads(p.custom_fields or "{}")
    for k, v in list(data.items()):
        if isinstance(v, datetime):
            data[k] = v.isoformat()
    for k in ("name_key", "email_key", "queue_rank", "queue_owner", "version",
              "claim_expires_at"):
        data.pop(k, None)
    data["prospect_id"] = data.pop("id")
    return data


def touch_json(t: TouchRow) -> dict:
    return {"touch_id": t.touch_id, "started_at": t.started_at.isoformat(), "channel": t.channel,
            "outcome": t.outcome, "phone": t.phone, "duration_s": t.duration_s,
            "note": t.note, "template_id": t.template, "promised": t.promised,
            "connected": t.connected, "rep": t.rep, "compliance": t.compliance}


def lookup(session: Session, *, text: str, region: str = "US", limit: int = 50) -> list[dict]:
    """Matches for a phone number in any format, a name, a company or an email."""
    e164 = normalise_query(text, region)
    found = repo.search(session, text=text, e164=e164, limit=limit)
    phones = repo.phones_of(session, prospect_ids=[p.id for p in found])  # type: ignore[misc]
    return [{"prospect_id": p.id, "name": p.name, "company": p.company, "title": p.title,
             "status": p.status, "phones": [phone_json(n) for n in phones.get(p.id, [])]}  # type: ignore[arg-type]
            for p in found]


@dataclass(frozen=True)
class Dossier:
    prospect: ProspectRow
    phones: tuple[PhoneRow, ...]
    touches: tuple[TouchRow, ...]  # newest first, at most HISTORY_WINDOW
    total_touches: int
    follow_ups: tuple[FollowUpRow, ...]  # open ones, soonest first
    dnc: tuple[DncRow, ...]
    zone: ZoneInfo
    referrer: ProspectRow | None
    brief: tuple[str, ...] = ()
    # "consumer line; consent: opt-in form on 2026-03-01 (CRM)": what rules for consumers read
    line_consent: str = ""

    @property
    def attempts(self) -> int:
        return self.prospect.attempts

    @property
    def has_mobile(self) -> bool:
        return any(p.kind == "mobile" and p.valid and not p.bad for p in self.phones)


def dossier(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime,
            window: int = HISTORY_WINDOW) -> Dossier | None:
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        return None
    phones = repo.phones_of(session, prospect_ids=[prospect_id]).get(prospect_id, [])
    touches = repo.touches_of(session, prospect_id=prospect_id, limit=window)
    total = len(touches) if len(touches) < window else repo.count_touches(
        session, prospect_id=prospect_id)
    fus = repo.open_follow_ups(session, prospect_id=prospect_id)
    dnc = list(session.exec(select(DncEntry).where(
        (DncEntry.prospect_id == prospect_id)
        | col(DncEntry.e164).in_([p.e164 for p in phones]))))
    referrer = (session.get(Prospect, prospect.referrer_prospect_id)
                if prospect.referrer_prospect_id else None)
    d = Dossier(ProspectRow.of(prospect), tuple(PhoneRow.of(p) for p in phones),
                tuple(TouchRow.of(t) for t in touches), total,
                tuple(FollowUpRow.of(f, "missed" if is_missed(f.kind, f.due_start, f.due_end, at)
                                      else "") for f in fus),
                tuple(DncRow.of(e) for e in dnc),
                zone_of(bundle.rules, prospect, phones[0] if phones else None),
                ProspectRow.of(referrer) if referrer is not None else None)
    # Said when the import recorded any of it (a refusal for want of consent is said by the
    # verdict's reasons either way); a dossier of defaults only would repeat them on every row.
    recorded = prospect.line or prospect.consent_basis or prospect.consent_date \
        or prospect.consent_source
    return replace(d, brief=tuple(brief(d, bundle, at)),
                   line_consent=line_and_consent(prospect, bundle.settings) if recorded else "")


def brief(d: Dossier, bundle: Bundle, at: datetime) -> list[str]:
    """The pre-call brief: what to know in the seconds before dialling."""
    lines: list[str] = []
    p, zone = d.prospect, d.zone
    lines.append(f"attempt {p.attempts + 1} of {max(MIN_ATTEMPTS, p.attempts + 1)}"
                 + (f", {(at - p.first_touch_at).days} days since first touch"
                    if p.first_touch_at else ", never touched"))
    for t in d.touches[:3]:
        local = t.started_at.astimezone(zone)
        lines.append(f"{local:%a %d %b %H:%M} {bundle.dispositions.words(t.outcome)}"
                     + (f" - {t.note}" if t.note else ""))
    objection = next((t for t in d.touches if t.objection), None)
    if objection:
        lines.append(f"last objection heard: {objection.objection.replace('_', ' ')}")
    for fu in d.follow_ups:
        if fu.kind == FU_PROMISE:
            lines.append(f"you promised: {fu.label}")
        elif fu.kind == FU_CALLBACK:
            lines.append(f"they asked for a call: {fu.label}")
    week_ago = at - timedelta(days=7)
    vms = sum(1 for t in d.touches if t.channel == "voicemail" and t.started_at >= week_ago)
    if vms:
        lines.append(f"{vms} voicemail{'s' if vms > 1 else ''} left this week")
    connects = [t for t in d.touches if t.connected]
    if connects:
        c = connects[0]
        part = bundle.cadences.part_of(c.started_at.astimezone(zone))
        lines.append(f"connected before on {display(c.phone) if c.phone else c.channel}"
                     f" in the {part}")
    return lines


@dataclass
class History:
    dossier: Dossier
    rep_zone: tzinfo
    prospect_data: dict  # every column of the prospect, for --json (prospect_json)

    def to_json(self) -> dict:
        d = self.dossier
        data = dict(self.prospect_data)
        data["phones"] = [phone_json(p) for p in d.phones]
        return {
            "prospect": data,
            "touches": [touch_json(t) for t in d.touches],
            "total_touches": d.total_touches,
            "open_follow_ups": [{"kind": f.kind, "channel": f.channel, "label": f.label,
                                 "due_start": f.due_start.isoformat(),
                                 "due_end": f.due_end.isoformat() if f.due_end else None,
                                 "owner": f.owner} for f in d.follow_ups],
            "dnc": [{"phone": e.phone, "source": e.source, "reason": e.reason,
                     "created_at": e.created_at.isoformat()} for e in d.dnc],
            "brief": d.brief,
            "time_zone": d.zone.key,
        }

    def lines(self) -> list[str]:
        d, p = self.dossier, self.dossier.prospect
        out = [f"{p.name} - {p.title} - {p.company} ({d.zone.key})"]
        out += [f"  {line}" for line in d.brief]
        out.append(f"touches ({d.total_touches}), newest first:")
        for t in d.touches:
            mine, theirs = t.started_at.astimezone(self.rep_zone), t.started_at.astimezone(d.zone)
            out.append(f"  {mine:%Y-%m-%d %H:%M} (their {theirs:%H:%M})  {t.channel:<9} "
                       f"{t.outcome:<18} {t.phone:<14} {t.note}")
            if t.compliance:
                out.append(f"    ! {t.compliance}")
        return out


def history(session: Session, bundle: Bundle, *, prospect_id: int, at: datetime
            ) -> History | None:
    d = dossier(session, bundle, prospect_id=prospect_id, at=at)
    if d is None:
        return None
    # (was: ZoneInfo only, which the machine's zone never is: every CLI history was in UTC)
    prospect = session.get(Prospect, prospect_id)
    assert prospect is not None  # the dossier was just read in this unit of work
    return History(d, local_zone(at), prospect_json(prospect))
