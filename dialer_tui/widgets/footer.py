"""The cockpit's footer: Textual's Footer, rebuilt once per refresh at most, and not before the
queue's first frame is painted.

Textual's Footer rebuilds its keys (a dozen styled widgets, ~10 ms) on every bindings change: at
start-up the focus, the first prospect and the keymap each change them before the first frame,
and the frame waits for those rebuilds. This one keeps the bar empty until the app says the
first frame is on screen (`DialerApp.first_frame_shown`), then rebuilds once per burst of
changes. It overrides Footer.bindings_changed and sets its _bindings_ready: Textual 8.2 internals,
safe while textual stays pinned (pyproject.toml), like the cockpit's _compositor_refresh."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class CockpitFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        # Textual's version sets _bindings_ready and schedules recompose() every time.
        self._bindings_ready = True
        if not screen.app.app_focus or not getattr(screen.app, "first_frame_shown", True):
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
