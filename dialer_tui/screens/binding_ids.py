"""Every binding id that settings.yaml `keys:` can remap (App.set_keymap ignores an id it does not
know, so a typo there would silently do nothing): `dialer-tui check` and the app, before its UI
starts, name an unknown one. Textual and the screens load only when there are keys to check."""

from __future__ import annotations

import pkgutil
from importlib import import_module
from typing import Iterator


def _modules() -> Iterator[str]:
    """The app and every module of screens/ and widgets/: a new screen is found, not listed."""
    import dialer_tui.screens
    import dialer_tui.widgets

    yield "dialer_tui.app"
    for package in (dialer_tui.screens, dialer_tui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            yield f"{package.__name__}.{info.name}"


def binding_keys(dispositions) -> dict[str, tuple[str, frozenset[str]]]:
    """Every binding id -> (the class whose keys it shares, its default keys); the outcome keys
    (outcome.NAME, made by the cockpit from dispositions.yaml) belong to the cockpit."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    out = {f"outcome.{o.name}": ("CockpitScreen", frozenset({o.key}))
           for o in dispositions.outcomes}
    for name in _modules():
        for obj in vars(import_module(name)).values():
            if isinstance(obj, type) and issubclass(obj, DOMNode):
                out.update((b.id, (obj.__name__, frozenset(k.strip() for k in b.key.split(","))))
                           for b in obj.BINDINGS if isinstance(b, Binding) and b.id)
    return out


def binding_ids(dispositions) -> set[str]:
    return set(binding_keys(dispositions))


def check_keys(bundle) -> None:
    """settings.yaml `keys:` may only name binding ids the app has: a ConfigError naming the file,
    line and key otherwise."""
    if not bundle.settings.keys:
        return
    from dialer_tui import config

    defaults = binding_keys(bundle.dispositions)
    remap = bundle.settings.keys

    def error(name: str, message: str):
        path = config.settings_path(bundle.cfg_dir)
        _, node = config.load_yaml(path)
        return config.error_at(path, node, ("keys", name), message)

    for name in remap:
        if name not in defaults:
            close = sorted(k for k in defaults if k.split(".")[0] == name.split(".")[0])
            raise error(name, f"unknown binding id {name!r}; known: "
                              f"{', '.join(close or sorted(defaults))} (see the help screen, ?)")
    # A remapped key must not land on another binding of the same screen: the other would win
    # or lose silently ("outcome.no_answer: '1'" beside meeting_booked's 1).
    for name, key in remap.items():
        scope = defaults[name][0]
        wanted = {k.strip() for k in key.split(",")}
        for other, (other_scope, keys) in defaults.items():
            now = {k.strip() for k in remap[other].split(",")} if other in remap else keys
            if other != name and other_scope == scope and wanted & now:
                raise error(name, f"key {sorted(wanted & now)[0]!r} is already {other}'s on "
                                  "the same screen; remap that one too, or pick another key")
