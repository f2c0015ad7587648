"""The top line: who is calling and how this session is going, counted from this app run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from dialer_tui.domain.outcomes import Outcome
from dialer_tui.widgets import safe


@dataclass
class SessionStats:
    """Counted in memory from the outcomes logged (and undone) in this run."""

    started_at: datetime
    dials: int = 0
    connects: int = 0
    voicemails: int = 0
    meetings: int = 0

    def _apply(self, outcome: Outcome, sign: int) -> None:
        if outcome.is_call:  # emails, LinkedIn, letters and visits are not dials
            self.dials += sign
            self.connects += sign if outcome.connect else 0
            self.voicemails += sign if outcome.channel == "voicemail" else 0
            self.meetings += sign if outcome.is_meeting else 0

    def record(self, outcome: Outcome) -> None:
        self._apply(outcome, 1)

    def unrecord(self, outcome: Outcome) -> None:
        self._apply(outcome, -1)

    @property
    def connect_rate(self) -> float:
        return self.connects / self.dials if self.dials else 0.0

    def dials_per_hour(self, now: datetime) -> float:
        # At least six minutes of session, so the first dial does not read as 3,600 an hour.
        hours = max((now - self.started_at).total_seconds() / 3600, 0.1)
        return self.dials / hours


NARROW_BELOW = 100  # columns


class SessionHeader(Static):
    """One line of figures; `show` is called by the cockpit after every outcome and each minute."""

    def show(self, stats: SessionStats, *, rep: str, now: datetime, queue_size: int,
             pending: int = 0, problem: str = "", showing: str = "all") -> None:
        # At 80 columns the long labels were cut at "meetings": short ones there.
        narrow = self.app.size.width < NARROW_BELOW
        out = Text()
        out.append(" dialer-tui " if not narrow else " dt ", style="bold reverse")
        if rep:
            out.append("  ")
            out.append(safe.one_line(rep)[:20 if narrow else 40], style="bold")
        queue = str(queue_size) + ("" if showing == "all" else f" ({showing})")
        parts = [("dials", "d", str(stats.dials)), ("connects", "conn", str(stats.connects)),
                 ("rate", "r", f"{stats.connect_rate:.0%}"),
                 ("voicemails", "vm", str(stats.voicemails)),
                 ("meetings", "mtg", str(stats.meetings)),
                 ("dials/h", "/h", f"{stats.dials_per_hour(now):.1f}"),
                 ("queue", "q", queue)]
        if pending or problem:  # first: on a narrow terminal the end of the line is cut
            out.append(f"  OFFLINE: {pending} kept on this machine", style="bold reverse red")
            if problem:
                out.append(f" ({safe.one_line(problem)[:60]})", style="red")
        for label, short, value in parts:
            label = short if narrow else label
            out.append(f"  {label} " if label else "  ", style="dim")
            out.append(value, style="bold")
        self.update(out)
