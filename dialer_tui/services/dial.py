"""Dial hand-off: give the selected number to whatever places the call.

Modes (settings.dial.mode): "clipboard" (the app copies; works over SSH via OSC 52), "tel" (the
desktop's tel: handler, e.g. a softphone), "command" (an argv list with `{e164}` replaced in each
item by plain str.replace, run without a shell so a number or a config value can never become
shell syntax), "none"."""

from __future__ import annotations

import re
import subprocess
import webbrowser
from typing import Callable

from dialer_tui.config import DialSettings

_E164_RE = re.compile(r"\+[1-9]\d{6,14}\Z")


class DialError(Exception):
    """The hand-off failed; the message is for the rep."""


def command_argv(template: list[str], e164: str) -> list[str]:
    return [item.replace("{e164}", e164) for item in template]


def dial(e164: str, settings: DialSettings, *, copy: Callable[[str], None]) -> str:
    """Hand `e164` off as configured; returns what happened, in words."""
    if not _E164_RE.match(e164 or ""):
        # Only ever E.164 from the store; checked anyway since it reaches a URI or an argv.
        raise DialError(f"not an E.164 number: {e164!r}")
    if settings.mode == "clipboard":
        copy(e164)
        return f"copied {e164} to the clipboard"
    if settings.mode == "tel":
        if not webbrowser.open(f"tel:{e164}"):
            raise DialError("no handler for tel: links on this machine")
        return f"opened tel:{e164}"
    if settings.mode == "command":
        if not settings.command:
            raise DialError("dial.mode is command but dial.command is empty in settings.yaml")
        argv = command_argv(settings.command, e164)
        try:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise DialError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from None
        return f"dialling {e164} with {argv[0]}"
    return f"dial hand-off is off; the number is {e164}"
