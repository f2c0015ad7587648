"""A Static whose next content can be rendered ahead of time, and that relays out only when its
height changes.

Right after an outcome the next prospect must be on screen within a few milliseconds; wrapping
and rendering a screenful of dossier and script text then is most of the cost. The cockpit
renders the next prospect while the rep is still on the call (when the prefetched view lands),
and showing it is a swap. The output is the Static's own: the strips come from Textual's
Visual.to_strips for this widget and its style, at both widths it can have in its scrolling pane
(with and without the scrollbar); when it is laid out at another width (a resize), the style
changed (the theme) or text is being selected, it renders as any Static.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual, visualize
from textual.widget import Widget
from textual.widgets import Static


@dataclass(eq=False)
class Prepared:
    """One content rendered for one style, at each width the widget may have when shown."""

    content: Content
    style: Style
    strips: dict[int, list[Strip]]  # width -> lines


class PreStatic(Static):
    """Untrusted text goes in as rich Text (never markup), as with any Static here."""

    def __init__(self, content: Text | str = "", **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)
        self._prepared: Prepared | None = None
        self._use_prepared: list[Strip] | None = None

    def _widths(self) -> set[int]:
        """The width now, and both widths this may have in a scrolling parent (whether or not
        the next content makes the parent show its scrollbar)."""
        widths = {self.size.width}
        parent = self.parent
        if isinstance(parent, Widget) and parent.is_scrollable:
            full = parent.region.width - parent.styles.gutter.width - self.styles.gutter.width
            widths |= {full, full - parent.styles.scrollbar_size_vertical}
        return {w for w in widths if w > 0}

    def prepare(self, text: Text | str) -> Prepared:
        """Wrap and render `text` now, for this widget as it is laid out now."""
        content = visualize(self, text, markup=False)
        assert isinstance(content, Content)
        style = self.visual_style
        strips = {w: Visual.to_strips(self, content, w, None, style) for w in self._widths()}
        if self.size.width:  # the layout asks for the height: cached on the content
            content.get_height(self.styles, self.size.width)
        return Prepared(content, style, strips)

    def show(self, text: Text | str | Prepared) -> None:
        """Show `text` (prepared earlier or not); lay out again only if the height changed."""
        prepared = text if isinstance(text, Prepared) else self.prepare(text)
        lines = self._lines(prepared)
        self._prepared = prepared if lines is not None else None
        height_changed = lines is None or len(lines) != self.size.height or not self.display
        self.update(prepared.content, layout=height_changed)

    def _lines(self, prepared: Prepared) -> list[Strip] | None:
        if prepared.style != self.visual_style:  # the theme or the focus changed since
            return None
        return prepared.strips.get(self.size.width)

    def render_lines(self, crop):
        prepared = self._prepared
        self._use_prepared = (self._lines(prepared) if prepared is not None
                              and prepared.content is self.visual
                              and self.text_selection is None else None)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        lines = self._use_prepared
        if lines is None:
            return super().render_line(y)
        if y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)
