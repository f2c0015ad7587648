"""The one place the cockpit stands on Textual internals: knowing when its first frame is out.

Textual 8.2 renders a frame and then drops it, dirty regions and all, when the app holds a batch
(its start-up batch, a footer recompose): under load the cockpit's first frame was lost that way
and the queue pane stayed blank until it changed. `FirstFrameScreen` paints once the batch is
over instead, and runs what waited for the first frame (the footer's keys, the rest of the queue
window, the store's modules) right after it.

Private API used: `Screen._compositor_refresh` (overridden) and `App._batch_count` (read). Textual
is pinned (pyproject.toml); tests/tui/test_textual_private.py fails on an upgrade that renames
either. Waits for: a public "frame written" hook on Screen (Textual has none in 8.2)."""

from __future__ import annotations

from typing import Callable

from textual.screen import Screen


def app_holds_batch(screen: Screen) -> bool:
    return bool(screen.app._batch_count)


class FirstFrameScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self._paint_waiting = False
        self.first_painted = False
        self._after_first_paint: list[Callable[[], object]] = []

    def _compositor_refresh(self) -> None:
        if app_holds_batch(self) and self.is_current:
            if not self._paint_waiting:
                self._paint_waiting = True
                self.set_timer(0.002, self._paint_after_batch)
            return
        super()._compositor_refresh()
        if not self.first_painted and self.is_current:
            # The first frame is on its way to the terminal: now the work that would have
            # delayed it.
            self.first_painted = True
            for callback in self._after_first_paint:
                self.call_later(callback)
            self._after_first_paint.clear()

    def _paint_after_batch(self) -> None:
        self._paint_waiting = False
        self._compositor_refresh()

    def when_painted(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the first frame is painted; after the next refresh if it is."""
        if self.first_painted:
            self.call_after_refresh(callback)
        else:
            self._after_first_paint.append(callback)
