"""Untrusted text (imported or typed) as screen data, never markup and never terminal control.

`Text(s)` already keeps `[@click=...]`, `[/]` and `[EMEA]` literal; what it does not do is stop an
ESC (or other C0/C1 control character) from reaching the terminal, where `\\x1b]52;...` or
`\\x1b[2J` would act. Controls become their visible Unicode pictures (ESC -> U+241B)."""

from __future__ import annotations

from rich.text import Text

from dialer_tui.text_safety import visible as clean  # the one sanitiser (text_safety.py)


def one_line(value: object) -> str:
    """For table cells and headers: newlines and tabs become spaces too."""
    return " ".join(clean(value).split())


def text(value: object, style: str = "") -> Text:
    return Text(clean(value), style=style)


def line(value: object, style: str = "") -> Text:
    return Text(one_line(value), style=style)
