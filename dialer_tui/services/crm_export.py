"""Calls as a CSV shaped like a HubSpot calls import, streamed from the store.

One row per call touch (channels call and voicemail), oldest first. HubSpot's call outcomes are
Connected, Left voicemail, Left live message, No answer, Wrong number and Busy; each outcome says
which is its own (`crm:` in dispositions.yaml; a gatekeeper took the message: "Left live
message"), and the call's title says the outcome's label. Every cell is formula-neutralised
(services.exporter.neutralise) except, in the "crm" format (the default: the file is for a CRM's
importer), a cell that is exactly an E.164 number, which a CRM must read as a number; the
"spreadsheet" format prefixes those too, for a file opened in a spreadsheet first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dialer_tui.channels import CALL_CHANNELS
from dialer_tui.clock import utc_stamp
from dialer_tui.domain.outcomes import Dispositions, crm_default
from dialer_tui.errors import InputError
from dialer_tui.services.exporter import write_csv
from dialer_tui.store.engine import reader
from dialer_tui.store.models import Prospect, Touch

COLUMNS = ("Call Title", "Activity date", "Call direction", "Call outcome", "Call notes",
           "Phone number", "Call duration (ms)", "Contact email", "First name", "Last name",
           "Company name")
_YIELD_PER = 2000


def hubspot_outcome(dispositions: Dispositions, outcome: str, channel: str,
                    connected: bool) -> str:
    """HubSpot's name for one of our outcomes; one no longer in the file falls back on what
    the call was."""
    o = dispositions.get(outcome)
    return o.crm_outcome if o else crm_default(channel, connected)


def call_label(dispositions: Dispositions, outcome: str) -> str:
    """What the call's title says of its outcome: the outcome's label."""
    o = dispositions.get(outcome)
    return o.label if o else outcome.replace("_", " ").capitalize() if outcome else "Call"


def export_crm_calls(engine: Engine, path: Path, dispositions: Dispositions | None = None,
                     fmt: str = "crm") -> int:
    """Write every call touch to `path` (.csv) as HubSpot call rows; returns the row count.

    `dispositions` map outcomes to HubSpot's; None reads the shipped dispositions.yaml (for a
    caller without the bundle, whose user copy may differ)."""
    if dispositions is None:
        from dialer_tui.services.bundle import load_dispositions

        dispositions = load_dispositions(None)
    known: Dispositions = dispositions  # (for the closure below)
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise InputError(f"export crm-calls: {path}: the file name must end in .csv")
    t, p = Touch.__table__, Prospect.__table__  # type: ignore[attr-defined]
    stmt = (select(t.c.started_at, t.c.channel, t.c.outcome, t.c.connected, t.c.note,
                   t.c.phone_e164, t.c.duration_s, p.c.email, p.c.first_name, p.c.last_name,
                   p.c.company)
            .join(p, p.c.id == t.c.prospect_id)
            .where(t.c.channel.in_(CALL_CHANNELS))
            .order_by(t.c.started_at, t.c.id)
            .execution_options(yield_per=_YIELD_PER))

    def rows() -> Iterator[list[str]]:
        with reader(engine).connect() as conn:
            for r in conn.execute(stmt):
                name = f"{r.first_name} {r.last_name}".strip() or r.company or r.phone_e164
                yield [f"Call with {name}: {call_label(known, r.outcome)}",
                       utc_stamp(r.started_at), "OUTBOUND",
                       hubspot_outcome(known, r.outcome, r.channel, r.connected), r.note,
                       r.phone_e164,
                       "" if r.duration_s is None else str(r.duration_s * 1000), r.email,
                       r.first_name, r.last_name, r.company]

    return write_csv(path, COLUMNS, rows(), fmt)

