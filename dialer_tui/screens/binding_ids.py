"""Every binding id that settings.yaml `keys:` can remap (App.set_keymap ignores an id it does not
know, so a typo there would silently do nothing): `dialer-tui check` and the app, before its UI
starts, name an unknown one. Textual and the screens load only when there are keys to check."""

from __future__ import annotations

from importlib import import_module

# The modules whose screens and widgets declare bindings with ids.
_MODULES = ("dialer_tui.app", *(f"dialer_tui.screens.{name}" for name in (
    "callback", "cockpit", "edit", "help", "history", "referral", "search", "stats")))


def binding_ids(dispositions) -> set[str]:
    """The ids of every binding with one, and the outcome keys (outcome.NAME, made by the
    cockpit from dispositions.yaml)."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    ids = {f"outcome.{o.name}" for o in dispositions.outcomes}
    for name in _MODULES:
        for obj in vars(import_module(name)).values():
            if isinstance(obj, type) and issubclass(obj, DOMNode):
                ids.update(b.id for b in obj.BINDINGS if isinstance(b, Binding) and b.id)
    return ids


def check_keys(bundle) -> None:
    """settings.yaml `keys:` may only name binding ids the app has: a ConfigError naming the file,
    line and key otherwise."""
    if not bundle.settings.keys:
        return
    from dialer_tui import config

    known = binding_ids(bundle.dispositions)
    for name in bundle.settings.keys:
        if name not in known:
            path = config.settings_path(bundle.cfg_dir)
            _, node = config.load_yaml(path)
            close = sorted(k for k in known if k.split(".")[0] == name.split(".")[0])
            raise config.error_at(path, node, ("keys", name),
                                  f"unknown binding id {name!r}; known: "
                                  f"{', '.join(close or sorted(known))} (see the help screen, ?)")
