"""The queue pane: a window of the next few hundred queue entries, one row per prospect.

A line-API widget rather than a DataTable: after an outcome one row goes and the rows below move
up. A DataTable re-renders every visible cell on any change (its caches are keyed by an update
counter and the cursor position); here each row is rendered once per look (plain, zebra,
cursor, hover) and kept by prospect id, so moving on repaints from that cache. It looks and
behaves like the DataTable it replaces (header row, zebra stripes, row cursor, hover, click).

Every cell is a rich Text (names and companies are imported data, never markup)."""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dialer_tui.domain.phones import display
from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.widgets import safe

REASON_STYLE = {"callback": "bold magenta", "promised": "bold yellow", "cadence": "cyan",
                "new": "green"}
CHANNEL_LABEL = {"email": "email", "linkedin": "LinkedIn", "letter": "letter", "visit": "visit",
                 "text": "text"}
# No cell padding: the widths include a space, so four columns fit in 48 cells.
# (label, width, which cell): the number in full ("+33 1 99 00 01 23"); at 80 columns the
# local time goes (the dossier shows it) so that the number still fits.
# Each width includes the one blank cell that separates a column from the next.
COLUMNS = ((" Why", 11, 0), ("Local", 6, 1), ("Name", 16, 2), ("Number", 18, 3))
NARROW_COLUMNS = ((" Why", 11, 0), ("Name", 11, 2), ("Number", 18, 3))
TABLE_WIDTH = sum(width for _label, width, _cell in COLUMNS)
STRIP_CACHE_MAX = 4000


class QueueList(ScrollView, can_focus=True):
    """Rows keyed by prospect id; the cockpit keeps the QueueItems, this shows them."""

    BINDINGS = [
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "Top", show=False),
        Binding("end,ctrl+end", "last", "Bottom", show=False),
    ]
    COMPONENT_CLASSES = {"queue--header", "queue--even-row", "queue--odd-row", "queue--cursor",
                         "queue--hover"}
    # The DataTable's own look, under this widget's names.
    DEFAULT_CSS = """
    QueueList {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .queue--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .queue--header { background-tint: $foreground 5%; }
        }
        &:dark > .queue--even-row { background: $surface-darken-1 40%; }
        & > .queue--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .queue--header { background: ansi_bright_blue; color: ansi_default; }
        & > .queue--even-row { background: $surface-lighten-1 50%; }
        & > .queue--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .queue--hover { background: $block-hover-background; }
    }
    """

    class RowHighlighted(Message):
        """The cursor moved to another prospect (keys, click, or a new window)."""

        def __init__(self, queue: QueueList, prospect_id: int) -> None:
            super().__init__()
            self.queue, self.prospect_id = queue, prospect_id

        @property
        def control(self) -> QueueList:
            return self.queue

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[QueueItem] = []
        self.cursor_row = 0
        self._hover: int | None = None
        self._rows: dict[int, tuple] = {}  # prospect id -> what its row shows
        self._cells: dict[int, tuple[Text, ...]] = {}
        self._strips: dict[tuple, Strip] = {}
        self._looks: tuple | None = None
        self._highlighted: int | None = None

    # --- data -----------------------------------------------------------------------------------
    @staticmethod
    def _row_of(item: QueueItem, now: datetime) -> tuple:
        """What a row shows, as plain values (rows are rendered again only when this changes)."""
        local = now.astimezone(item.local_time.tzinfo) if item.local_time.tzinfo else now
        return (item.reason + ("!" if item.missed else ""), f"{local:%H:%M}",
                item.name or item.company, item.phone, item.channel)

    @staticmethod
    def _cells_of(row: tuple) -> tuple[Text, ...]:
        reason, local, name_text, phone, channel = row
        number = (Text(display(phone)) if phone and channel == "call" else
                  Text(CHANNEL_LABEL.get(channel, channel), style="italic"))
        name = safe.line(name_text)
        style = "bold red" if reason.endswith("!") else REASON_STYLE.get(reason, "")
        return (Text(" " + reason, style=style), Text(local), name,
                number)

    def _set_row(self, item: QueueItem, now: datetime) -> None:
        pid, row = item.prospect_id, self._row_of(item, now)
        if self._rows.get(pid) == row:
            return
        if pid in self._rows:
            for key in [k for k in self._strips if k[0] == pid]:
                del self._strips[key]
        self._rows[pid] = row
        self._cells.pop(pid, None)  # rendered when first painted (most rows never are)

    def show(self, items: list[QueueItem], now: datetime, keep: int | None = None) -> None:
        """Replace the rows; the cursor stays on prospect `keep` when it is still there. Rows
        already shown are kept as rendered (only changed rows are rendered again)."""
        self.items = list(items)
        for item in self.items:
            self._set_row(item, now)
        shown = {item.prospect_id for item in self.items}
        for pid in [p for p in self._rows if p not in shown]:
            del self._rows[pid]
            self._cells.pop(pid, None)
        if len(self._strips) > STRIP_CACHE_MAX:
            self._strips.clear()
        index = self.index_of(keep) if keep is not None else None
        self._resized()
        self.move_cursor(row=index if index is not None else self.cursor_row)

    def index_of(self, prospect_id: int | None) -> int | None:
        return next((i for i, it in enumerate(self.items) if it.prospect_id == prospect_id),
                    None)

    def drop(self, prospect_id: int) -> None:
        """Take a prospect out now (after an outcome): the rows below move up one line."""
        index = self.index_of(prospect_id)
        if index is None:
            return
        del self.items[index]
        if index < self.cursor_row:
            self.cursor_row -= 1
        self.cursor_row = max(0, min(self.cursor_row, len(self.items) - 1))
        self._highlighted = self.current.prospect_id if self.current else None
        self.refresh()  # the virtual height shrinks at the next show(): no relayout, no scrollbar

    def insert_first(self, item: QueueItem, now: datetime) -> None:
        """Bring a prospect back at the top (undo)."""
        self.show([item] + [it for it in self.items if it.prospect_id != item.prospect_id], now)

    @property
    def current(self) -> QueueItem | None:
        if not self.items or self.cursor_row < 0 or self.cursor_row >= len(self.items):
            return None
        return self.items[self.cursor_row]

    def refresh_times(self, now: datetime) -> None:
        """The local-time column, once a minute: only rows whose time changed render again."""
        for item in self.items:
            self._set_row(item, now)
        self.refresh()

    def _columns(self) -> tuple[tuple[str, int, int], ...]:
        return COLUMNS if self.scrollable_content_region.width >= TABLE_WIDTH else NARROW_COLUMNS

    def _resized(self) -> None:
        size = Size(sum(w for _l, w, _c in self._columns()), len(self.items) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
        self.refresh()

    # --- cursor -----------------------------------------------------------------------------------
    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on a row (clamped), scroll it into view, say so if the prospect
        under it changed."""
        self.cursor_row = max(0, min(row, len(self.items) - 1))
        self._scroll_cursor_into_view()
        self.refresh()
        current = self.current
        pid = current.prospect_id if current else None
        if pid is not None and pid != self._highlighted:
            self.post_message(self.RowHighlighted(self, pid))
        self._highlighted = pid

    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header

    def _scroll_cursor_into_view(self) -> None:
        top, shown = round(self.scroll_y), self._rows_visible()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._rows_visible())

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._rows_visible())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.items) - 1)

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return None
        row = round(self.scroll_y) + offset.y - 1
        return row if row < len(self.items) else None

    def _on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is not None:
            self.move_cursor(row=row)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        if row != self._hover:
            self._hover = row
            self.refresh()

    def _on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    # --- rendering --------------------------------------------------------------------------------
    def render_lines(self, crop):
        # The styles of this render (they change with focus and theme); rows are cached per
        # look, so the focus going to the note line and back renders no row twice.
        self._looks = (self.rich_style,) + tuple(
            self.get_component_rich_style(f"queue--{name}", partial=False)
            for name in ("header", "even-row", "odd-row", "cursor", "hover"))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        looks = self._looks
        if looks is None:
            return Strip.blank(width)
        if y == 0:
            strip = self._strip(("header", looks, width), self._render_header)
        else:
            index = scroll_y + y - 1
            if index >= len(self.items):
                return Strip.blank(width, looks[0])
            pid = self.items[index].prospect_id
            look = ("cursor" if index == self.cursor_row else
                    "hover" if index == self._hover else
                    "odd-row" if index % 2 else "even-row")
            strip = self._strip((pid, look, looks, width), lambda: self._render_row(pid, look))
        return strip.crop_extend(scroll_x, scroll_x + width, looks[0])

    def _strip(self, key: tuple, render) -> Strip:
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = render()
        return strip

    def _line(self, cells: tuple[Text, ...], pre: Style, post: Style | None) -> Strip:
        row = Text(no_wrap=True)
        columns = self._columns()
        for _label, width, index in columns:
            text = cells[index].copy()
            text.truncate(width - 1, overflow="ellipsis", pad=True)
            text.append(" ")
            row.append_text(text)  # the cell's own style becomes a span of the row
        segments = list(Segment.apply_style(row.render(self.app.console), pre, post))
        table = sum(w for _l, w, _c in columns)
        width = max(table, self.scrollable_content_region.width)
        extend = pre + post if post is not None else pre
        return Strip(segments, table).extend_cell_length(width, extend).simplify()

    def _render_header(self) -> Strip:
        base, header = self._looks[0], self._looks[1]  # type: ignore[index]
        return self._line(tuple(Text(label) for label, _w, _c in COLUMNS), base + header, None)

    def _render_row(self, pid: int, look: str) -> Strip:
        base, _header, even, odd, cursor, hover = self._looks  # type: ignore[misc]
        cells = self._cells.get(pid)
        if cells is None:
            cells = self._cells[pid] = self._cells_of(self._rows[pid])
        if look == "cursor":  # the cursor's colours win over the cells' own (as in DataTable)
            return self._line(cells, base + odd + cursor, Style.from_color(cursor.color))
        if look == "hover":
            return self._line(cells, base + odd + hover, None)
        return self._line(cells, base + (odd if look == "odd-row" else even), None)
