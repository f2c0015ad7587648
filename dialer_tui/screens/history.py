"""`h`: one prospect's whole history: the pre-call brief, every touch across channels and numbers
(newest first), the promises and callbacks with how they turned out, and do-not-call records.

The touch table is a window: the first PAGE rows come with the dossier, and the next page is read
(keyset: touches older than the oldest row shown) in a thread worker when the cursor or the
scroll position comes within NEAR_END rows of the end. Thousands of touches never load at once.
Every string from the store goes through widgets.safe into Text: notes are typed by reps and
imported from CRMs, never markup."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from dialer_tui.domain.phones import display
from dialer_tui.screens.background import dialer_app, in_background
from dialer_tui.widgets import safe

if TYPE_CHECKING:  # the store's modules are imported where used (services/first_page.py)
    from dialer_tui.domain.outcomes import Dispositions
    from dialer_tui.services.history_view import HistoryHead
    from dialer_tui.services.rows import TouchRow

NEAR_END = 25  # rows from the end of the window that start the next read


class HeadRead(Message, bubble=False):
    def __init__(self, got: tuple[HistoryHead, list[TouchRow], bool] | None) -> None:
        super().__init__()
        self.got = got


class PageRead(Message, bubble=False):
    def __init__(self, rows: list[TouchRow], more: bool) -> None:
        super().__init__()
        self.rows, self.more = rows, more

# --- the screen -------------------------------------------------------------------------------

FU_STYLE = {"open": "cyan", "overdue": "bold yellow", "kept": "green", "returned": "green",
            "missed": "bold red", "cancelled": "dim"}


def head_text(h: HistoryHead, now: datetime) -> Text:
    out = Text()
    out.append(safe.one_line(h.name) or "(no name)", style="bold")
    for part, style in ((h.title, ""), (h.company, "italic")):
        if part:
            out.append(" · ")
            out.append(safe.one_line(part), style=style)
    out.append("\n")
    out.append(f"{h.zone.key}, their time now {now.astimezone(h.zone):%a %H:%M}\n", style="dim")
    for line in h.brief:
        out.append("• ", style="cyan")
        out.append(safe.one_line(line))
        out.append("\n")
    out.rstrip()
    return out


def side_text(h: HistoryHead) -> Text:
    from dialer_tui.store.models import FU_PROMISE  # loaded: `h` is here

    out = Text()
    out.append("Promises & callbacks\n", style="bold underline")
    for f in h.follow_ups:
        local = f.due_start.astimezone(h.zone)
        out.append(f"{f.status:<9}", style=FU_STYLE.get(f.status, ""))
        out.append("you said   " if f.kind == FU_PROMISE else "they asked ", style="dim")
        out.append(safe.one_line(f.label) or f"{local:%a %H:%M}")
        out.append(f" · {local:%d %b}\n", style="dim")
    if not h.follow_ups:
        out.append("none\n", style="dim")
    if h.dnc:
        out.append("\nDo not call\n", style="bold underline red")
        for e in h.dnc:
            out.append(display(e.phone) if e.phone else "the person", style="bold red")
            out.append(f" {e.created_at:%Y-%m-%d} ", style="dim")
            out.append(safe.one_line(e.reason or e.source))
            out.append("\n")
    out.rstrip()
    return out


def row_cells(t: TouchRow, rep_zone: tzinfo, zone: ZoneInfo, dispositions: Dispositions
              ) -> list[Text]:
    mine, theirs = t.started_at.astimezone(rep_zone), t.started_at.astimezone(zone)
    o = dispositions.get(t.outcome)  # its words and colour (None: no longer in the file)
    outcome = safe.line(dispositions.words(t.outcome), o.style if o else "")
    if t.compliance:  # a call outside the rules: flagged here, said in full under the table
        outcome.append(" !", style="bold red")
    return [Text(f"{mine:%Y-%m-%d %H:%M}"), Text(f"{theirs:%a %H:%M}"),
            safe.line(t.channel), outcome,
            Text(display(t.phone) if t.phone else ""), safe.line(t.template),
            safe.line(t.promised), safe.line(t.note)]


class TouchTable(DataTable):
    """Home/End go to the newest/oldest loaded touch (End then loads the next page)."""

    BINDINGS = [Binding("home", "scroll_top", "Newest", show=False),
                Binding("end", "scroll_bottom", "Oldest", show=False)]


class HistoryScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="history.close")]

    def __init__(self, prospect_id: int) -> None:
        super().__init__()
        self.prospect_id = prospect_id
        self.head: HistoryHead | None = None
        self.rows: list[TouchRow] = []
        self.more = False
        self.loading = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-top"):
            yield Static(Text("loading...", style="dim"), id="history-head")
            with VerticalScroll(id="history-side"):
                yield Static(id="history-followups")
        yield TouchTable(id="history-touches", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-detail")
        yield Static(id="history-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-top").border_title = "History"
        table = self.query_one("#history-touches", DataTable)
        for label, key, width in (("You", "mine", 16), ("Their time", "theirs", 10),
                                  ("Channel", "channel", 9), ("Outcome", "outcome", 18),
                                  ("Number", "number", 15), ("Template", "template", 10),
                                  ("Promised", "promised", 19), ("Note", "note", None)):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self.loading = True
        self._load_head()

    def action_close(self) -> None:
        self.dismiss(None)

    # --- reads ---------------------------------------------------------------------------------
    def _load_head(self) -> None:
        app, pid = dialer_app(self), self.prospect_id

        def work() -> HeadRead:
            from dialer_tui.services.history_view import load_head
            from dialer_tui.services.units import reading

            with reading(app.engine) as s:
                return HeadRead(load_head(s, app.bundle, prospect_id=pid, at=app.now()))

        in_background(self, work, group="history")

    @on(HeadRead)
    def _head_read(self, event: HeadRead) -> None:
        self._head_loaded(event.got)

    def _head_loaded(self, got: tuple[HistoryHead, list[TouchRow], bool] | None) -> None:
        if not self.is_mounted:
            return
        self.loading = False
        if got is None:
            self.query_one("#history-head", Static).update(
                Text("This prospect no longer exists.", style="red"))
            return
        self.head, rows, more = got
        self.query_one("#history-head", Static).update(head_text(self.head, dialer_app(self).now()))
        self.query_one("#history-followups", Static).update(side_text(self.head))
        self._add(rows, more)

    def _maybe_more(self) -> None:
        from dialer_tui.services.history_view import PAGE  # loaded: there are rows

        if not self.more or self.loading or not self.rows:
            return
        oldest = self.rows[-1].started_at
        seen = {r.touch_id for r in reversed(self.rows[-PAGE:]) if r.started_at == oldest}
        if len(seen) == PAGE:  # a whole page at one instant: take the slow, exact path
            seen = {r.touch_id for r in self.rows if r.started_at == oldest}
        self.loading = True
        self._show_status()
        self._load_page(oldest, seen)

    def _load_page(self, oldest: datetime, seen: set[int]) -> None:
        app, pid = dialer_app(self), self.prospect_id

        def work() -> PageRead:
            from dialer_tui.services.history_view import load_page
            from dialer_tui.services.units import reading

            with reading(app.engine) as s:
                return PageRead(*load_page(s, prospect_id=pid, oldest=oldest, seen=seen))

        in_background(self, work, group="history-page")

    @on(PageRead)
    def _page_read(self, event: PageRead) -> None:
        self._page_loaded(event.rows, event.more)

    def _page_loaded(self, rows: list[TouchRow], more: bool) -> None:
        if not self.is_mounted:
            return
        self.loading = False
        self._add(rows, more)

    def _add(self, rows: list[TouchRow], more: bool) -> None:
        assert self.head is not None
        self.rows.extend(rows)
        self.more = more
        table = self.query_one("#history-touches", DataTable)
        app = dialer_app(self)
        rep_zone, zone, dispositions = app.rep_zone, self.head.zone, app.bundle.dispositions
        with self.app.batch_update():
            for t in rows:
                table.add_row(*row_cells(t, rep_zone, zone, dispositions), key=str(t.touch_id))
        self._show_status()
        if len(self.rows) == len(rows):
            self._show_detail(0)
        if table.cursor_row >= table.row_count - NEAR_END:  # still at the end: keep going
            self._maybe_more()

    # --- paging triggers: the cursor (keys) or the scroll position (wheel, scrollbar) ---------
    def _scrolled(self, _value: float) -> None:
        table = self.query_one("#history-touches", DataTable)
        if table.max_scroll_y and table.scroll_y >= table.max_scroll_y - NEAR_END:
            self._maybe_more()

    @on(DataTable.RowHighlighted, "#history-touches")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)
        if event.cursor_row >= event.data_table.row_count - NEAR_END:
            self._maybe_more()

    # --- lines under the table -----------------------------------------------------------------
    def _show_detail(self, index: int) -> None:
        """The highlighted touch's note in full (the Note column is cut at the screen edge), and
        what it records of a call outside the rules."""
        out = Text()
        if 0 <= index < len(self.rows) and self.rows[index].note:
            out.append("note: ", style="dim")
            out.append(safe.clean(self.rows[index].note))
        if 0 <= index < len(self.rows) and self.rows[index].compliance:
            out.append("\n" if out.plain else "")
            out.append("! " + safe.clean(self.rows[index].compliance), style="bold red")
        self.query_one("#history-detail", Static).update(out)

    def _show_status(self) -> None:
        total = self.head.total if self.head else 0
        out = Text(f"{len(self.rows)} of {total} touches shown, newest first", style="dim")
        if self.loading:
            out.append("  loading more...", style="yellow")
        elif self.more:
            out.append("  (more load as you scroll)", style="dim")
        self.query_one("#history-status", Static).update(out)
