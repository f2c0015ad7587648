"""Everything the app and the CLI load from data and config files, validated together.

`load_bundle` is what `dialer-tui check` runs and what the app runs before its UI starts: a broken
file stops both with a ConfigError naming the file, line and key. The files are read here (and in
config.py); domain/ gets the loaded models and never touches a file or YAML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from dialer_tui import config
from dialer_tui.domain.cadence import CadenceFile
from dialer_tui.domain.calling_hours import CallingRules
from dialer_tui.domain.outcomes import Dispositions

if TYPE_CHECKING:  # loaded inside load_playbook, as before: its models are the bigger import
    from dialer_tui.domain.playbook import Playbook, Problem

PLAYBOOK = "playbook.yaml"


@dataclass(frozen=True)
class Bundle:
    settings: config.Settings
    rules: CallingRules
    dispositions: Dispositions
    cadences: CadenceFile
    playbook: Playbook
    cfg_dir: Path | None = None


def load_bundle(cfg_dir: Path | None = None) -> Bundle:
    settings = config.load_settings(cfg_dir)
    rules = load_rules(cfg_dir)
    dispositions = load_dispositions(cfg_dir)
    cadences = load_cadences(cfg_dir)
    playbook = load_playbook(cfg_dir)
    _cross_check(cfg_dir, cadences, playbook)
    return Bundle(settings, rules, dispositions, cadences, playbook, cfg_dir)


RULES = "calling_rules.yaml"
_RULE_SECTIONS = ("countries", "states", "calendars")


def load_rules(cfg_dir: Path | None = None) -> CallingRules:
    """The shipped calling_rules.yaml with the user's on top, rule by rule; ConfigError naming
    the file, line and key of the first problem.

    A rule in the user's file replaces the shipped rule of the same id whole (`countries.US`,
    `states.TX`, `calendars.US-UT`, `default`); a new id adds a rule; every other shipped rule
    stays, so a later release's fixes still arrive. `replace_shipped: true` makes the user's
    file the whole rule set (the old behaviour)."""
    from dialer_tui.domain.calling_hours import RulesOverlay

    shipped_path = config.DATA_DIR / RULES
    mine_path = config.find_file(RULES, cfg_dir)
    if mine_path == shipped_path:
        return config.load_model(shipped_path, CallingRules)
    overlay = config.load_model(mine_path, RulesOverlay, empty_ok=True)  # names the user's line
    mine, node = config.load_yaml(mine_path)
    mine = mine or {}
    if overlay.replace_shipped:
        data = {k: v for k, v in mine.items() if k != "replace_shipped"}
    else:
        data = _merged(config.load_yaml(shipped_path)[0], mine)
    try:
        return CallingRules.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = tuple(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        # A check across rules ("states.TX: not listed under zones...") names its key itself.
        raise config.error_at(mine_path, node, _first_key(message) or loc, message) from None


def _first_key(message: str) -> tuple[str, ...]:
    """"states.TX: ..." / "countries.US.holidays: ..." -> the key path, to point at its line."""
    head = message.split(":", 1)[0]
    if " " in head or "." not in head:
        return ()
    return tuple(head.split("."))


def _merged(shipped: dict, mine: dict) -> dict:
    """The shipped rules with the user's replacing or adding single rules by id."""
    out = dict(shipped)
    for key in ("as_of", "note", "default"):
        if key in mine:
            out[key] = mine[key]
    for key in _RULE_SECTIONS:
        out[key] = {**(shipped.get(key) or {}), **(mine.get(key) or {})}
    out["not_encoded"] = [*(shipped.get("not_encoded") or []), *(mine.get("not_encoded") or [])]
    zones, my_zones = dict(shipped.get("zones") or {}), mine.get("zones") or {}
    zones["countries"] = {**(zones.get("countries") or {}), **(my_zones.get("countries") or {})}
    regions = dict(zones.get("regions") or {})
    for country, places in (my_zones.get("regions") or {}).items():
        regions[country] = {**(regions.get(country) or {}), **(places or {})}
    zones["regions"] = regions
    out["zones"] = zones
    return out


def rules_problems(bundle: Bundle) -> list[str]:
    """Rules that the rest of the configuration does not honour (warnings for `check`): a
    rule's pause after a refusal longer than the refusal outcome keeps the prospect away."""
    out = []
    pauses = [(where, r.pause_after_refusal_days) for where, r in bundle.rules.rules()
              if r.pause_after_refusal_days]
    refusal = next((o for o in bundle.dispositions.outcomes if o.name == "not_interested"), None)
    for where, days in pauses:
        kept = getattr(refusal, "recycle_days", None) if refusal is not None else None
        if not kept or kept < days:
            out.append(f"{where} asks for {days} days without calls after a refusal, but the "
                       f"not_interested outcome returns the prospect after "
                       f"{kept or 0} days (dispositions.yaml recycle_days)")
    return out


def load_cadences(cfg_dir: Path | None = None) -> CadenceFile:
    return config.load_model(config.find_file("cadences.yaml", cfg_dir), CadenceFile)


def load_dispositions(cfg_dir: Path | None = None) -> Dispositions:
    path = config.find_file("dispositions.yaml", cfg_dir)
    try:
        return config.load_model(path, Dispositions)
    except config.ConfigError as err:
        if err.key == "outcomes" and "duplicate outcome" in err.message:
            raise _duplicate_at(path) or err from None
        raise


def _duplicate_at(path: Path) -> config.ConfigError | None:
    """The model's uniqueness check knows only the list; name the line of the second one."""
    data, node = config.load_yaml(path)
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    for attr in ("name", "key"):
        seen: dict[str, int] = {}
        for i, o in enumerate(outcomes if isinstance(outcomes, list) else []):
            value = o.get(attr) if isinstance(o, dict) else None
            if value is None:
                continue
            if str(value) in seen:
                return config.error_at(path, node, ("outcomes", i, attr),
                                       f"duplicate outcome {attr} {str(value)!r} (outcome "
                                       f"{seen[str(value)] + 1} has it too)")
            seen[str(value)] = i
    return None


def load_playbook(cfg_dir: Path | None = None) -> Playbook:
    """The user's playbook.yaml from `cfg_dir` when present, else the shipped one; validated
    beyond its schema too (domain.playbook.playbook_problems)."""
    from dialer_tui.domain.playbook import Playbook, playbook_problems

    path = config.find_file(PLAYBOOK, cfg_dir)
    pb = config.load_model(path, Playbook)
    problems = playbook_problems(pb)
    if problems:
        raise _first_problem(path, problems)
    return pb


def _first_problem(path: Path, problems: list[Problem]) -> config.ConfigError:
    """The first problem by position in the file, as a ConfigError naming line and key."""
    _, node = config.load_yaml(path)  # parsed again only on this rare path, for line numbers
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = [_locate(path, p, node, lines) for p in problems]
    first = min(errors, key=lambda e: (e.line or 0, e.column or 0))
    if len(errors) > 1:
        return config.ConfigError(first.path, f"{first.message} (and {len(errors) - 1} more)",
                                  line=first.line, column=first.column, key=first.key)
    return first


def _locate(path: Path, problem: Problem, node, lines: list[str]) -> config.ConfigError:
    loc, token, message = problem
    err = config.error_at(path, node, loc, message)
    value = config.value_node(node, loc)
    if token is None or value is None:
        return err
    # Point at the line of the bad placeholder itself, inside a multi-line (folded) text.
    first, last = value.start_mark.line, value.end_mark.line
    for n in range(first, min(last, len(lines) - 1) + 1):
        col = lines[n].find(token, value.start_mark.column if n == first else 0)
        if col >= 0:
            return config.ConfigError(path, message, line=n + 1, column=col + 1, key=err.key)
    return err


def _cross_check(cfg_dir: Path | None, cadences: CadenceFile, playbook: Playbook) -> None:
    """Templates that cadences reference must exist in the playbook."""
    from dialer_tui.domain.playbook import template_ids

    known = template_ids(playbook)
    for cid, cadence in cadences.cadences.items():
        for i, step in enumerate(cadence.steps):
            if step.template not in known:
                path = config.find_file("cadences.yaml", cfg_dir)
                _, node = config.load_yaml(path)  # parsed again only to name the line
                raise config.error_at(path, node, ("cadences", cid, "steps", i, "template"),
                                      f"template {step.template!r} is not in playbook.yaml "
                                      f"(known: {', '.join(sorted(known))})")
