"""The top line: who is calling and how this session is going, counted from this app run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.message import Message
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


REGISTRY_EVERY = timedelta(hours=1)  # how often the age of the do-not-call copies is read


class SessionHeader(Static):
    """One line of figures; `show` is called by the cockpit after every outcome and each minute."""

    class Registry(Message):
        """The stale-registry warning, read in a worker ("" when every copy is fresh)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    _registry = ""
    _asked: datetime | None = None
    _last: tuple[SessionStats, dict] | None = None

    def _ask_registry(self) -> None:
        """Read the registry copies' age in a thread worker, once the first frame is up (the
        store opens then; until then, asked again in a second)."""
        if not getattr(self.app, "first_frame_shown", False):
            self.set_timer(1.0, self._ask_registry, name="registry-age")
            return
        now, engine = self.app.now(), self.app.engine  # type: ignore[attr-defined]

        def read() -> None:
            from dialer_tui.services.dnc import stale_lists, stale_warning

            today = now.date()
            self.post_message(self.Registry(stale_warning(stale_lists(engine, today), today,
                                                          short=True)))

        self.run_worker(read, thread=True, exclusive=True, group="registry-age",
                        exit_on_error=False)  # a failed read leaves the header as it was

    def on_session_header_registry(self, message: Registry) -> None:
        if message.text != self._registry:
            self._registry = message.text
            if self._last is not None:
                self.show(self._last[0], **self._last[1])

    def show(self, stats: SessionStats, *, rep: str, now: datetime, queue_size: int,
             pending: int = 0, problem: str = "", showing: str = "all") -> None:
        self._last = (stats, {"rep": rep, "now": now, "queue_size": queue_size,
                              "pending": pending, "problem": problem, "showing": showing})
        if self._asked is None or now - self._asked >= REGISTRY_EVERY:  # first, then hourly
            self._asked = now
            self._ask_registry()
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
        if self._registry:  # a do-not-call copy past 31 days (`dialer-tui check` says which)
            out.append(f"  {self._registry}", style="bold yellow")
        for label, short, value in parts:
            label = short if narrow else label
            out.append(f"  {label} " if label else "  ", style="dim")
            out.append(value, style="bold")
        self.update(out)
