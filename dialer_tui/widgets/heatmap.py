"""A connect-rate bar chart in block characters: one column per slot (an hour, a weekday).

Bar height is the connect rate (eighth blocks, so 6 rows give 48 steps), its colour says how it
compares with the reference rate (1 in 7), the dotted row marks the reference, and a shaded row
underneath is the dial volume as a heat strip (░▒▓█). Built from a rich Text: no new dependency,
no markup (labels come from code, counts are numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

EIGHTHS = " ▁▂▃▄▅▆▇█"
SHADES = " ░▒▓█"
AXIS_W = 5  # "100%┤"


@dataclass(frozen=True)
class Slot:
    label: str
    dials: int
    connects: int

    @property
    def rate(self) -> float:
        return self.connects / self.dials if self.dials else 0.0


def rate_style(slot: Slot, reference: float) -> str:
    if not slot.dials:
        return "dim"
    if slot.rate >= reference:
        return "green"
    return "yellow" if slot.rate >= reference / 2 else "red"


def scale_top(slots: list[Slot], reference: float) -> float:
    """The rate at the top of the chart: at least twice the reference, rounded up to 5%."""
    top = max([s.rate for s in slots] + [reference * 2])
    return min(1.0, -(-round(top * 100, 6) // 5) * 5 / 100)


def render_chart(slots: list[Slot], reference: float, *, rows: int = 6, col: int = 4,
                 title: str = "") -> Text:
    top = scale_top(slots, reference)
    steps = rows * 8
    levels = [round(s.rate / top * steps) if top else 0 for s in slots]
    levels = [max(1, lv) if s.connects else lv for s, lv in zip(slots, levels, strict=True)]
    ref_row = min(rows - 1, int(reference / top * rows)) if top else 0
    out = Text(no_wrap=True, overflow="crop")
    if title:
        out.append(title + "\n", style="bold")
    for r in range(rows - 1, -1, -1):
        if r == rows - 1:
            axis = f"{top:>4.0%}┤"
        elif r == ref_row:
            axis = f"{reference:>4.0%}┤"
        else:
            axis = "    │"
        out.append(axis, style="dim")
        for slot, level in zip(slots, levels, strict=True):
            fill = min(8, max(0, level - r * 8))
            if fill:
                out.append(EIGHTHS[fill] * (col - 1), style=rate_style(slot, reference))
            elif r == ref_row:
                out.append("┈" * (col - 1), style="dim")
            else:
                out.append(" " * (col - 1))
            out.append("┈" if r == ref_row else " ", style="dim")
        out.append("\n")
    out.append("    └" + "─" * (col * len(slots)) + "\n", style="dim")
    out.append(" " * AXIS_W)
    for slot in slots:
        out.append(_cell(slot.label, col), style="bold")
    out.append("\n")
    out.append("rate ", style="dim")
    for slot in slots:
        label = f"{slot.rate:.0%}" if slot.dials else "-"
        out.append(_cell(label, col), style=rate_style(slot, reference))
    out.append("\n")
    most = max([s.dials for s in slots] + [1])
    out.append("vol  ", style="dim")
    for slot in slots:
        shade = SHADES[min(4, -(-slot.dials * 4 // most))] if slot.dials else "·"
        out.append(shade * (col - 1) + " ", style="cyan" if slot.dials else "dim")
    out.append("\n")
    out.append("dial ", style="dim")
    for slot in slots:
        out.append(_cell(_count(slot.dials) if slot.dials else "", col))
    return out


def _count(n: int) -> str:
    return str(n) if n < 1000 else f"{n // 1000}k"


def _cell(label: str, col: int) -> str:
    """Left-aligned in col - 1 cells and a gap, so neighbours never run together."""
    return f"{label[:col - 1]:<{col - 1}} "


class RateChart(Static):
    """`show(slots, reference)` redraws; the slots come from services.stats' by_* lists."""

    def __init__(self, title: str = "", *, rows: int = 6, col: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title, self.rows, self.col = title, rows, col

    def show(self, slots: list[Slot], reference: float) -> None:
        self.update(render_chart(slots, reference, rows=self.rows, col=self.col,
                                 title=self.title))
