"""How the calling went: the period's figures, connect rate by the prospect's local hour and by
weekday, and which voicemail template / objection answer came before callbacks and meetings.

`services.stats.compute_stats` does the counting in a thread worker (seconds on a million
touches); keys 1-4 pick the period and recompute. Escape goes back to the cockpit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from dialer_tui.screens.background import dialer_app, in_background
from dialer_tui.widgets import safe
from dialer_tui.widgets.heatmap import RateChart, Slot

HOURS = range(8, 21)  # the prospect's local 08:00-20:59: calling hours everywhere we dial


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    days: int | None  # None: all time; 0: since midnight in the rep's zone


PERIODS = [Period("1", "today", 0), Period("2", "7 days", 7), Period("3", "30 days", 30),
           Period("4", "all", None)]


def period_start(period: Period, now: datetime, zone) -> datetime | None:
    if period.days is None:
        return None
    if period.days == 0:
        local = now.astimezone(zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return now - timedelta(days=period.days)


def figures(data: dict) -> Text:
    """The headline numbers, aligned, the connect rate coloured against the 1-in-7 reference."""
    out = Text(no_wrap=True, overflow="ellipsis")

    def row(label: str, value: str, style: str = "bold") -> None:
        out.append(f"{label:<20}", style="dim")
        out.append(f"{value:>7}", style=style)
        out.append("\n")

    rate, ref = data["connect_rate"], data["reference_connect_rate"]
    row("Dials", str(data["dials"]))
    row("Connects", str(data["connects"]))
    row("Connect rate", f"{rate:.1%}",
        "bold green" if rate >= ref else "bold yellow" if data["dials"] else "bold")
    row("  reference 1 in 7", f"{ref:.1%}", "dim")
    row("Conversations", str(data["conversations"]))
    row("Meetings", str(data["meetings"]))
    row("Voicemails", str(data["voicemails"]))
    row("Callbacks returned",
        f"{data['callbacks_returned']}/{data['callbacks_requested']}")
    row("Dials / hour", f"{data['dials_per_hour']:.1f}")
    row("Promises kept", f"{data['promises_kept']}/{data['promises_made']}")
    row("Promises missed", str(data["promises_missed"]),
        "bold red" if data["promises_missed"] else "bold")
    row("Abandoned before 7", str(data["abandoned_before_7"]),
        "bold yellow" if data["abandoned_before_7"] else "bold")
    others = {k: v for k, v in data.get("other_channels", {}).items() if v}
    if others:
        out.append(" · ".join(f"{safe.one_line(k)} {v}" for k, v in others.items()),
                   style="dim")
    else:
        out.right_crop(1)  # no trailing blank line
    return out


class Computed(Message, bubble=False):
    def __init__(self, index: int, data: dict) -> None:
        super().__init__()
        self.index, self.data = index, data


class StatsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="stats.close"),
        *[Binding(p.key, f"period({i})", p.label.capitalize(), id=f"stats.period_{i + 1}")
          for i, p in enumerate(PERIODS)],
    ]

    period: reactive[int] = reactive(1, init=False, always_update=True)
    """Index into PERIODS (default: the last 7 days)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict = {}  # the last compute_stats result shown

    def compose(self) -> ComposeResult:
        yield Static(id="stats-period")
        with Horizontal(id="stats-top"):
            yield Static(id="stats-figures")
            yield RateChart("Connect rate by the prospect's local hour", col=5,
                            id="stats-hours")
        with Horizontal(id="stats-bottom"):
            yield RateChart("... and by weekday", col=5, id="stats-weekdays")
            with Vertical(id="stats-tables"):
                yield DataTable(id="stats-templates", cursor_type="none", zebra_stripes=True)
                yield DataTable(id="stats-objections", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        for wid, title in (("stats-figures", "Figures"), ("stats-hours", "By hour"),
                           ("stats-weekdays", "By weekday"),
                           ("stats-templates", "Voicemail templates"),
                           ("stats-objections", "Objection answers")):
            self.query_one(f"#{wid}").border_title = title
        templates = self.query_one("#stats-templates", DataTable)
        templates.add_column("Template", key="name", width=24)
        for label in ("Left", "Callbacks", "Meetings"):
            templates.add_column(label, key=label.lower())
        objections = self.query_one("#stats-objections", DataTable)
        objections.add_column("Objection", key="name", width=24)
        for label in ("Shown", "Meetings"):
            objections.add_column(label, key=label.lower())
        self.compute(self.period)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_period(self, index: int) -> None:
        self.period = index

    def watch_period(self, index: int) -> None:
        self.compute(index)

    # --- the worker ---------------------------------------------------------------------------
    def compute(self, index: int) -> None:
        self._show_period(index, busy=True)
        self._compute(index)

    def _compute(self, index: int) -> None:
        app = dialer_app(self)

        def work() -> Computed:
            from dialer_tui.services.stats import compute_stats
            from dialer_tui.services.units import reading

            now = app.now()
            since = period_start(PERIODS[index], now, app.rep_zone)
            with reading(app.engine) as s:
                return Computed(index, compute_stats(s, since=since, now=now,
                                                     day_zone=app.rep_zone,
                                                     dispositions=app.bundle.dispositions))

        in_background(self, work, group="stats")

    @on(Computed)
    def _computed(self, event: Computed) -> None:
        index, data = event.index, event.data
        if index != self.period or not self.is_mounted:
            return  # a newer period was asked for, or the screen is gone
        self.data = data
        self._show_period(index, busy=False)
        self.query_one("#stats-figures", Static).update(figures(data))
        ref = data["reference_connect_rate"]
        hours = {h["hour"]: h for h in data["by_local_hour"]}
        chart = self.query_one("#stats-hours", RateChart)
        outside = sum(h["dials"] for hour, h in hours.items() if hour not in HOURS)
        chart.title = "Connect rate by the prospect's local hour" + (
            f" ({outside} dials outside 08-20 not shown)" if outside else "")
        chart.show([Slot(f"{h:02d}", hours[h]["dials"], hours[h]["connects"]) for h in HOURS],
                   ref)
        self.query_one("#stats-weekdays", RateChart).show(
            [Slot(d["weekday"][:3], d["dials"], d["connects"]) for d in data["by_weekday"]],
            ref)
        templates = self.query_one("#stats-templates", DataTable)
        templates.clear()
        for r in data["by_template"]:
            templates.add_row(safe.line(r["template"]), *(Text(str(r[k]), justify="right")
                                                          for k in ("left", "callbacks",
                                                                    "meetings")))
        objections = self.query_one("#stats-objections", DataTable)
        objections.clear()
        for r in data["by_objection"]:
            objections.add_row(safe.line(r["objection"].replace("_", " ")),
                               *(Text(str(r[k]), justify="right") for k in ("shown",
                                                                            "meetings")))

    def _show_period(self, index: int, *, busy: bool) -> None:
        app = dialer_app(self)
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(" Stats ", style="bold reverse")
        out.append("  ")
        for i, p in enumerate(PERIODS):
            style = "bold reverse cyan" if i == index else "dim"
            out.append(f" {p.key} {p.label} ", style=style)
            out.append(" ")
        since = period_start(PERIODS[index], app.now(), app.rep_zone)
        if since is not None:
            out.append(f"  since {since.astimezone(app.rep_zone):%a %d %b %H:%M}",
                       style="dim")
        if busy:
            out.append("  computing...", style="yellow")
        self.query_one("#stats-period", Static).update(out)
