"""Every binding id that settings.yaml `keys:` can remap (App.set_keymap ignores an id it does not
know, so a typo there would silently do nothing): `dialer-tui check` names an unknown one."""

from __future__ import annotations

from importlib import import_module

from textual.binding import Binding
from textual.dom import DOMNode

# The modules whose screens and widgets declare bindings with ids.
_MODULES = ("dialer_tui.app", *(f"dialer_tui.screens.{name}" for name in (
    "callback", "cockpit", "edit", "help", "history", "referral", "search", "stats")))


def binding_ids(dispositions) -> set[str]:
    """The ids of every binding with one, and the outcome keys (outcome.NAME, made by the
    cockpit from dispositions.yaml)."""
    ids = {f"outcome.{o.name}" for o in dispositions.outcomes}
    for name in _MODULES:
        for obj in vars(import_module(name)).values():
            if isinstance(obj, type) and issubclass(obj, DOMNode):
                ids.update(b.id for b in obj.BINDINGS if isinstance(b, Binding) and b.id)
    return ids
