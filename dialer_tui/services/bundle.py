"""Everything the app and the CLI load from data and config files, validated together.

`load_bundle` is what `dialer-tui check` runs and what the app runs before its UI starts: a broken
file stops both with a ConfigError naming the file, line and key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dialer_tui import config
from dialer_tui.domain.cadence import CadenceFile, load_cadences
from dialer_tui.domain.calling_hours import CallingRules, load_rules
from dialer_tui.domain.outcomes import Dispositions, load_dispositions


@dataclass(frozen=True)
class Bundle:
    settings: config.Settings
    rules: CallingRules
    dispositions: Dispositions
    cadences: CadenceFile
    playbook: object  # domain.playbook.Playbook
    cfg_dir: Path | None = None


def load_bundle(cfg_dir: Path | None = None) -> Bundle:
    from dialer_tui.domain import playbook as pb_mod

    settings = config.load_settings(cfg_dir)
    rules = load_rules(cfg_dir)
    dispositions = load_dispositions(cfg_dir)
    cadences = load_cadences(cfg_dir)
    playbook = pb_mod.load_playbook(cfg_dir)
    _cross_check(cfg_dir, cadences, playbook)
    return Bundle(settings, rules, dispositions, cadences, playbook, cfg_dir)


def _cross_check(cfg_dir: Path | None, cadences: CadenceFile, playbook: object) -> None:
    """Templates that cadences reference must exist in the playbook."""
    from dialer_tui.domain import playbook as pb_mod

    known = pb_mod.template_ids(playbook)
    for cid, cadence in cadences.cadences.items():
        for i, step in enumerate(cadence.steps):
            if step.template not in known:
                path = config.find_file("cadences.yaml", cfg_dir)
                _, node = config.load_yaml(path)  # parsed again only to name the line
                raise config.error_at(path, node, ("cadences", cid, "steps", i, "template"),
                                      f"template {step.template!r} is not in playbook.yaml "
                                      f"(known: {', '.join(sorted(known))})")
