"""Store work off the UI thread: one helper for every screen.

`in_background(node, work, group=...)` runs `work()` in a thread worker and posts the message it
returns to `node` (post_message is thread-safe), so results come back as ordinary Textual
messages handled on the UI thread. A failure is posted as `BackgroundFailed` (what failed, one
line, no traceback and no data), so a screen can say so instead of staying silent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, cast

from textual.message import Message

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from dialer_tui.app import DialerApp


class BackgroundFailed(Message, bubble=False):
    def __init__(self, group: str, said: str) -> None:
        super().__init__()
        self.group, self.said = group, said


def in_background(node: DOMNode, work: Callable[[], Message | None], *, group: str,
                  exclusive: bool = True) -> None:
    """`exclusive`: a newer call in the same group cancels the one before (its message, if it
    was already computing, is still posted: handlers check that it is still wanted)."""

    def run() -> None:
        try:
            message = work()
        except Exception as exc:  # noqa: BLE001 - said on screen; never a crash for a read
            from dialer_tui.services.journal import first_line

            node.post_message(BackgroundFailed(group, first_line(exc)))
            return
        if message is not None:
            node.post_message(message)

    node.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False,
                    name=group)


def dialer_app(node: DOMNode) -> DialerApp:
    """The app, typed: screens and widgets of this package only ever run inside DialerApp."""
    return cast("DialerApp", node.app)
