"""What the cockpit's workers send back to it (Textual messages, handled on the UI thread; they
do not bubble past the cockpit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from dialer_tui.domain.queue_item import QueueItem

if TYPE_CHECKING:
    from dialer_tui.services.cockpit import ProspectView
    from dialer_tui.services.gate import DialCheck


class Result(Message, bubble=False):
    pass


class ViewRead(Result):
    def __init__(self, prospect_id: int, view: ProspectView | None) -> None:
        super().__init__()
        self.prospect_id, self.view = prospect_id, view


class QueueRead(Result):
    def __init__(self, gen: int, items: list[QueueItem], total: int, limit: int) -> None:
        super().__init__()
        self.gen, self.items, self.total, self.limit = gen, items, total, limit


class ChangesSeen(Result):
    def __init__(self, token: tuple) -> None:
        super().__init__()
        self.token = token


class Claimed(Result):
    """A lease asked for: `holder` None when it is ours, else who holds the prospect.
    `landing`: asked as the prospect came on screen (not a renewal, not a dial)."""

    def __init__(self, prospect_id: int, holder: str | None, landing: bool) -> None:
        super().__init__()
        self.prospect_id, self.holder, self.landing = prospect_id, holder, landing


class DialChecked(Result):
    def __init__(self, check: DialCheck | str, override: bool) -> None:
        super().__init__()
        self.check, self.override = check, override


class Said(Result):
    """A worker's result for the outcome bar (or, `error`, a notification); `prospect_id`
    set when that prospect's dossier changed and is read again."""

    def __init__(self, text: str, *, style: str = "green", error: bool = False,
                 prospect_id: int | None = None) -> None:
        super().__init__()
        self.text, self.style, self.error, self.prospect_id = text, style, error, prospect_id


class NextOpening(Result):
    """Who the empty queue offers next, and when (item.due_at); None: nobody within weeks."""

    def __init__(self, item: QueueItem | None) -> None:
        super().__init__()
        self.item = item


class Opened(Result):
    """A prospect to show: the one just made for an inbound number."""

    def __init__(self, prospect_id: int, said: str) -> None:
        super().__init__()
        self.prospect_id, self.said = prospect_id, said
