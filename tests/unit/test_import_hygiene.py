"""The layers point down: domain/, store/ and services/ never import Textual (the CLI's
commands start fast and the rules stay testable without a terminal)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import dialer_tui

BELOW_THE_UI = ("dialer_tui.domain", "dialer_tui.store", "dialer_tui.services")


def _modules() -> list[str]:
    names = ["dialer_tui", "dialer_tui.cli", "dialer_tui.config"]
    for info in pkgutil.walk_packages(dialer_tui.__path__, "dialer_tui."):
        if info.name.startswith(BELOW_THE_UI):
            names.append(info.name)
    return names


def test_nothing_below_the_ui_imports_textual():
    modules = _modules()
    assert "dialer_tui.services.queue" in modules and "dialer_tui.store.models" in modules
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Textual imported by a lower layer: {out.stdout}"


def test_the_domain_reads_no_files():
    """domain/ is pure functions and types over data already loaded (services/bundle.py and
    config.py read the YAML): importing all of it loads neither the YAML parser nor config."""
    domain = [info.name for info in pkgutil.walk_packages(dialer_tui.__path__, "dialer_tui.")
              if info.name.startswith("dialer_tui.domain.")]
    assert "dialer_tui.domain.playbook" in domain and "dialer_tui.domain.cadence" in domain
    code = ("import importlib, sys\n"
            f"for name in {domain!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m in ('yaml', 'dialer_tui.config')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"the domain layer imports a loader: {out.stdout}"


def test_the_geocoder_is_never_loaded():
    """phonenumbers' geocoder costs +100 MB resident; nothing of ours should pull it in."""
    code = ("import sys, dialer_tui.services.importer, dialer_tui.services.queue, "
            "dialer_tui.services.review\n"
            "print('phonenumbers.geocoder' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_ui_loads_before_the_store():
    """Cold start (services/first_page.py): before its fork the CLI loads nothing heavy, and the
    app, its screens and widgets load without SQLAlchemy, which a child process imports
    meanwhile (the app also imports every screen before its UI starts when settings.yaml
    remaps keys: binding_ids.check_keys)."""
    ui = ["dialer_tui.app"] + [info.name for info in pkgutil.walk_packages(
        dialer_tui.__path__, "dialer_tui.") if info.name.startswith(
            ("dialer_tui.screens.", "dialer_tui.widgets."))]
    assert "dialer_tui.screens.history" in ui and "dialer_tui.widgets.dossier" in ui
    code = ("import importlib, sys\n"
            "import dialer_tui.cli, dialer_tui.clock, dialer_tui.errors, dialer_tui.gc_pause\n"
            "import dialer_tui.services.first_page\n"
            "heavy = ('pydantic', 'yaml', 'phonenumbers', 'sqlalchemy', 'sqlmodel', 'textual')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
            f"for name in {ui!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before_fork, ui_loaded = out.stdout.splitlines()
    assert before_fork == "[]", f"imported before the fork: {before_fork}"
    assert ui_loaded == "[]", f"the UI's modules import the store's: {ui_loaded}"
