"""What the screens and the command line are given of the store: plain frozen rows.

Services read ORM objects inside a unit of work and hand these out; nothing outside services/
and store/ holds a live ORM object (no lazy load after the session closed, no accidental write,
and a row crosses a thread or a pipe as the plain data it is)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_PROMISE,
    DncEntry,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
)


def is_missed(kind: str, due_start: datetime, due_end: datetime | None, at: datetime) -> bool:
    """An open promise or callback whose window has passed by `at` (its start, when it has no
    end): the queue flags it, the dossier says so, history calls it missed or overdue."""
    return kind in (FU_PROMISE, FU_CALLBACK) and (due_end or due_start) < at


@dataclass(frozen=True)
class ProspectRow:
    id: int
    first_name: str
    last_name: str
    title: str
    company: str
    industry: str
    city: str
    region: str
    country: str
    email: str
    linkedin_url: str
    referrer_name: str
    referrer_company: str
    assistant_name: str
    research_notes: str
    status: str
    attempts: int
    cadence_step: int
    first_touch_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def of(cls, p: Prospect) -> ProspectRow:
        return cls(p.id or 0, p.first_name, p.last_name, p.title, p.company, p.industry, p.city,
                   p.region, p.country, p.email, p.linkedin_url, p.referrer_name,
                   p.referrer_company, p.assistant_name, p.research_notes, p.status, p.attempts,
                   p.cadence_step, p.first_touch_at)


@dataclass(frozen=True)
class PhoneRow:
    e164: str
    extension: str
    kind: str
    note: str
    valid: bool
    bad: bool
    do_not_call: bool
    number_type: str
    time_zones: str  # space-separated IANA zones

    @classmethod
    def of(cls, p: PhoneNumber) -> PhoneRow:
        return cls(p.e164, p.extension, p.kind, p.note, p.valid, p.bad, p.do_not_call,
                   p.number_type, p.time_zones)


@dataclass(frozen=True)
class TouchRow:
    touch_id: int
    started_at: datetime
    channel: str
    outcome: str
    phone: str
    template: str
    promised: str
    note: str
    connected: bool
    compliance: str = ""  # a call outside the rules: why, and any override
    objection: str = ""
    duration_s: int | None = None
    rep: str = ""

    @classmethod
    def of(cls, t: Touch) -> TouchRow:
        return cls(t.id or 0, t.started_at, t.channel, t.outcome, t.phone_e164, t.template_id,
                   t.promised_label, t.note, t.connected, t.compliance, t.objection_id,
                   t.duration_s, t.rep)


@dataclass(frozen=True)
class FollowUpRow:
    kind: str
    channel: str
    label: str
    due_start: datetime
    due_end: datetime | None
    status: str  # open / overdue / kept / missed / returned / cancelled
    template_id: str = ""
    owner: str = ""

    @classmethod
    def of(cls, f: FollowUp, status: str = "") -> FollowUpRow:
        return cls(f.kind, f.channel, f.label, f.due_start, f.due_end, status or f.status,
                   f.template_id, f.owner)


@dataclass(frozen=True)
class DncRow:
    phone: str  # '' for the person as a whole
    source: str
    reason: str
    created_at: datetime
    prospect_id: int | None = None

    @classmethod
    def of(cls, e: DncEntry) -> DncRow:
        return cls(e.e164, e.source, e.reason, e.created_at, e.prospect_id)
