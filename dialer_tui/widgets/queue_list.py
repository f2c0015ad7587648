"""The queue pane: a window of the next few hundred queue entries, one keyed row per prospect.

Every cell is a rich Text (names and companies are imported data, never markup)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from dialer_tui.domain.phones import display
from dialer_tui.services.queue import QueueItem
from dialer_tui.widgets import safe

REASON_STYLE = {"callback": "bold magenta", "promised": "bold yellow", "cadence": "cyan",
                "new": "green"}
CHANNEL_LABEL = {"email": "email", "linkedin": "LinkedIn", "letter": "letter", "visit": "visit",
                 "text": "text"}


class QueueList(DataTable):
    """Rows keyed by prospect id; the cockpit keeps the QueueItems, this shows them."""

    def __init__(self, **kwargs) -> None:
        # No cell padding: the widths below include a space, so four columns fit in 48 cells.
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.items: list[QueueItem] = []

    def on_mount(self) -> None:
        self.add_column(" Why", key="why", width=10)
        self.add_column("Local", key="local", width=6)
        self.add_column("Name", key="name", width=16)
        self.add_column("Number", key="number", width=15)

    def _row(self, item: QueueItem, now: datetime) -> list[Text]:
        local = now.astimezone(item.local_time.tzinfo) if item.local_time.tzinfo else now
        number = (Text(display(item.phone)) if item.phone and item.channel == "call" else
                  Text(CHANNEL_LABEL.get(item.channel, item.channel), style="italic"))
        name = safe.line(item.name or item.company)
        name.truncate(15, overflow="ellipsis")  # one blank cell before the number
        return [Text(" " + item.reason, style=REASON_STYLE.get(item.reason, "")),
                Text(f"{local:%H:%M}"), name, number]

    def show(self, items: list[QueueItem], now: datetime, keep: int | None = None) -> None:
        """Replace the rows; the cursor stays on prospect `keep` when it is still there."""
        self.items = list(items)
        with self.app.batch_update():
            self.clear()
            for item in self.items:
                self.add_row(*self._row(item, now), key=str(item.prospect_id))
            index = self.index_of(keep) if keep is not None else None
            if index is not None:
                self.move_cursor(row=index, animate=False)

    def index_of(self, prospect_id: int | None) -> int | None:
        return next((i for i, it in enumerate(self.items) if it.prospect_id == prospect_id),
                    None)

    def drop(self, prospect_id: int) -> None:
        """Take a prospect out now (after an outcome), without waiting for the refresh."""
        index = self.index_of(prospect_id)
        if index is None:
            return
        del self.items[index]
        self.remove_row(str(prospect_id))

    def insert_first(self, item: QueueItem, now: datetime) -> None:
        """Bring a prospect back at the top (undo)."""
        self.show([item] + [it for it in self.items if it.prospect_id != item.prospect_id], now)

    @property
    def current(self) -> QueueItem | None:
        if not self.items or self.cursor_row < 0 or self.cursor_row >= len(self.items):
            return None
        return self.items[self.cursor_row]

    def refresh_times(self, now: datetime) -> None:
        """The local-time column, once a minute: update_cell, no rebuild."""
        for item in self.items:
            local = now.astimezone(item.local_time.tzinfo) if item.local_time.tzinfo else now
            self.update_cell(str(item.prospect_id), "local", Text(f"{local:%H:%M}"))
