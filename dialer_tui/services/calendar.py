"""Open callbacks and promised calls as a calendar file: iCalendar (RFC 5545) or CSV.

One VEVENT per open callback/promise follow-up. The UID is `followup-<id>@dialer-tui`, so importing
a newer export into the same calendar updates the events instead of doubling them; SEQUENCE is the
export time in minutes since 2020, so each export supersedes the previous one. Times are UTC
("20261203T140000Z"); the description names the prospect's own time ("their time: Thu 09:00
America/Chicago"). The format is written by hand (no dependency): CRLF line ends, TEXT escaping of
backslash, semicolon, comma and newlines, other control characters dropped, and lines folded at 75
octets without splitting a UTF-8 character. The CSV variant holds the same events, every cell
formula-neutralised (services.exporter.neutralise).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dialer_tui.clock import system_now, utc_stamp
from dialer_tui.errors import InputError
from dialer_tui.services.exporter import phone_cell, write_atomic, write_csv
from dialer_tui.services.targets import dialable, zone_of
from dialer_tui.store import repo
from dialer_tui.store.engine import reader
from dialer_tui.store.models import (
    FU_CALLBACK,
    FU_OPEN,
    FU_PROMISE,
    FollowUp,
    PhoneNumber,
    Prospect,
    Touch,
)
from dialer_tui.text_safety import strip_controls

UTC = timezone.utc
DEFAULT_LENGTH = timedelta(minutes=30)  # a follow-up without an end, a meeting
MEETING = "meeting"  # an event's kind: a meeting booked, with its time
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
CSV_COLUMNS = ("uid", "kind", "start_utc", "end_utc", "their_time", "time_zone", "summary",
               "name", "company", "phones", "label", "note", "prospect_id")
_BATCH = 500


@dataclass(frozen=True)
class CallbackEvent:
    follow_up_id: int
    prospect_id: int
    kind: str  # callback / promise
    start: datetime  # UTC
    end: datetime
    name: str
    company: str
    phones: tuple[str, ...]  # "+13055550101 (mobile)"
    their_time: str  # "Thu 09:00 America/Chicago"
    time_zone: str
    label: str
    note: str

    @property
    def uid(self) -> str:
        if self.kind == MEETING:  # its id is the touch that booked it
            return f"meeting-{self.follow_up_id}@dialer-tui"
        return f"followup-{self.follow_up_id}@dialer-tui"

    @property
    def summary(self) -> str:
        if self.kind == FU_PROMISE:
            return f"Promised call: {self.name}"
        if self.kind == MEETING:
            return f"Meeting: {self.name}" + (f" ({self.company})" if self.company else "")
        company = f" ({self.company})" if self.company else ""
        return f"Call back {self.name}{company}"

    @property
    def description(self) -> str:
        lines = [f"their time: {self.their_time}",
                 "phones: " + ("; ".join(self.phones) if self.phones else "none dialable")]
        if self.label:
            lines.append(f"label: {self.label}")
        if self.note:
            lines.append(f"note: {self.note}")
        lines.append(f"prospect #{self.prospect_id}")
        return "\n".join(lines)


def export_callbacks(engine: Engine, path: Path, bundle, *, now: datetime | None = None) -> int:
    """Write the open callbacks and promises to `path` (.ics or .csv); returns the event count."""
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".ics", ".csv"):
        raise InputError(f"export callbacks: {path}: the file name must end in .ics or .csv")
    now = (now or system_now()).astimezone(UTC)
    events = heapq.merge(callback_events(engine, bundle), meeting_events(engine, bundle, now),
                         key=lambda ev: ev.start)
    if kind == ".csv":
        return write_csv(path, CSV_COLUMNS, (_csv_row(ev) for ev in events))
    return write_atomic(path, lambda fh: _write_ics(fh, events, now))


def callback_events(engine: Engine, bundle) -> Iterator[CallbackEvent]:
    """Open callbacks and promises, soonest first, streamed in batches of 500."""
    stmt = (select(FollowUp, Prospect).join(Prospect, col(Prospect.id) == FollowUp.prospect_id)
            .where(FollowUp.status == FU_OPEN, col(FollowUp.kind).in_((FU_CALLBACK, FU_PROMISE)))
            .order_by(col(FollowUp.due_start), col(FollowUp.id))
            .execution_options(yield_per=_BATCH))
    with Session(reader(engine)) as s:
        for part in s.exec(stmt).partitions():
            ids = list({p.id for _, p in part})
            phones = repo.phones_of(s, prospect_ids=ids)  # type: ignore[arg-type]
            dnc = repo.dnc_numbers(s, e164s=[ph.e164 for nums in phones.values() for ph in nums])
            for fu, prospect in part:
                yield _event(bundle, fu, prospect, dialable(phones.get(prospect.id, []), dnc))
            s.expunge_all()  # keep memory flat however many follow-ups are open


def meeting_events(engine: Engine, bundle, now: datetime) -> list[CallbackEvent]:
    """Meetings booked with a time (the touch keeps it), from a day ago on, soonest first."""
    booked = [o.name for o in bundle.dispositions.outcomes if o.asks == "meeting"]
    stmt = (select(Touch, Prospect).join(Prospect, col(Prospect.id) == Touch.prospect_id)
            .where(col(Touch.outcome).in_(booked), col(Touch.promised_start).is_not(None),
                   col(Touch.promised_start) >= now - timedelta(days=1))
            .order_by(col(Touch.promised_start), col(Touch.id)))
    out = []
    with Session(reader(engine)) as s:
        rows = list(s.exec(stmt))
        phones = repo.phones_of(s, prospect_ids=[p.id for _, p in rows])  # type: ignore[misc]
        for touch, prospect in rows:
            nums = phones.get(prospect.id, [])  # type: ignore[arg-type]
            zone = zone_of(bundle.rules, prospect, nums[0] if nums else None)
            start = touch.promised_start.astimezone(UTC)  # type: ignore[union-attr]
            name = prospect.name or prospect.company or f"prospect #{prospect.id}"
            out.append(CallbackEvent(
                follow_up_id=touch.id, prospect_id=prospect.id, kind=MEETING,  # type: ignore[arg-type]
                start=start, end=start + DEFAULT_LENGTH, name=name,
                company=prospect.company if name != prospect.company else "",
                phones=tuple(_phone(ph) for ph in nums),
                their_time=f"{start.astimezone(zone):%a %H:%M} {zone.key}", time_zone=zone.key,
                label=touch.promised_label, note=touch.note))
    return out


def _event(bundle, fu: FollowUp, prospect: Prospect, phones: list[PhoneNumber]) -> CallbackEvent:
    zone = zone_of(bundle.rules, prospect, phones[0] if phones else None)
    local = fu.due_start.astimezone(zone)
    name = prospect.name or prospect.company or f"prospect #{prospect.id}"
    return CallbackEvent(
        follow_up_id=fu.id, prospect_id=prospect.id, kind=fu.kind,  # type: ignore[arg-type]
        start=fu.due_start.astimezone(UTC),
        end=(fu.due_end or fu.due_start + DEFAULT_LENGTH).astimezone(UTC),
        name=name, company=prospect.company if name != prospect.company else "",
        phones=tuple(_phone(ph) for ph in phones), their_time=f"{local:%a %H:%M} {zone.key}",
        time_zone=zone.key, label=fu.label, note=fu.note)


def _phone(ph: PhoneNumber) -> str:
    text = f"{phone_cell(ph.e164, ph.extension)} ({ph.kind})"
    return f"{text} - {ph.note}" if ph.note else text


# ---- iCalendar -----------------------------------------------------------------------------

def ics_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = strip_controls(value)[0]  # RFC 5545 TEXT allows no control character
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at `limit` octets (continuations start with a space, which counts),
    never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= limit:
        return line
    out: list[str] = []
    chunk: list[str] = []
    size, room = 0, limit
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > room:
            out.append("".join(chunk))
            chunk, size, room = [], 0, limit - 1
        chunk.append(ch)
        size += n
    out.append("".join(chunk))
    return "\r\n ".join(out)


def _vevent(ev: CallbackEvent, stamp: str, sequence: int) -> Iterable[str]:
    yield "BEGIN:VEVENT"
    yield f"UID:{ev.uid}"
    yield f"DTSTAMP:{stamp}"
    yield f"SEQUENCE:{sequence}"
    yield f"DTSTART:{ics_time(ev.start)}"
    yield f"DTEND:{ics_time(ev.end)}"
    yield f"SUMMARY:{escape_text(ev.summary)}"
    yield f"DESCRIPTION:{escape_text(ev.description)}"
    yield f"CATEGORIES:{ev.kind}"
    yield "STATUS:CONFIRMED"
    yield "END:VEVENT"


def _write_ics(fh, events: Iterable[CallbackEvent], now: datetime) -> int:
    stamp = ics_time(now)
    sequence = int((now - SEQUENCE_EPOCH).total_seconds() // 60)
    head = ("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dialer-tui//callbacks//EN",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:dialer-tui callbacks")
    fh.write("".join(f"{line}\r\n" for line in head))
    count = 0
    for ev in events:
        fh.write("".join(f"{fold(line)}\r\n" for line in _vevent(ev, stamp, sequence)))
        count += 1
    fh.write("END:VCALENDAR\r\n")
    return count


# ---- CSV -----------------------------------------------------------------------------------

def _csv_row(ev: CallbackEvent) -> list[str]:
    return [ev.uid, ev.kind, utc_stamp(ev.start), utc_stamp(ev.end), ev.their_time, ev.time_zone,
            ev.summary, ev.name, ev.company, "; ".join(ev.phones), ev.label, ev.note,
            str(ev.prospect_id)]



