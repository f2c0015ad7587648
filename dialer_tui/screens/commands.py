"""The command palette's cockpit provider: every cockpit action, found by its description.

Descriptions include the outcome labels a user writes in dispositions.yaml: shown as plain
Content, never parsed as markup (Matcher.highlight would parse them: "Call [/]" raised)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher


def _highlight(matcher: Matcher, text: str) -> Content:
    """Matcher.highlight on plain text: the matched characters styled, nothing parsed."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class CockpitCommands(Provider):
    def _actions(self) -> list[tuple[str, str, str]]:
        """(description, key, action) of the cockpit's bindings, as the rep has them mapped."""
        from dialer_tui.screens.cockpit import CockpitScreen

        screen = next((s for s in reversed(self.app.screen_stack)
                       if isinstance(s, CockpitScreen)), None)
        if screen is None:
            return []
        return [(desc, key, action) for key, desc, _id, action in screen.binding_rows()]

    async def discover(self) -> Hits:
        for desc, key, action in self._actions():
            yield DiscoveryHit(Content(desc), partial(self._run, action), text=desc,
                               help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for desc, key, action in self._actions():
            score = matcher.match(desc)
            if score > 0:
                yield Hit(score, _highlight(matcher, desc), partial(self._run, action),
                          text=desc, help=f"key: {key}")

    async def _run(self, action: str) -> None:
        from dialer_tui.screens.cockpit import CockpitScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, CockpitScreen):
                await screen.run_action(action)
                return
