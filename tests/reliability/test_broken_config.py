"""Every shipped YAML file (and a settings.yaml) broken in several ways: `dialer-tui check` and
the app itself exit 2 with a message naming the file, the line and the key, and the database is
left exactly as it was (or not created)."""

from __future__ import annotations

import hashlib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialer_tui.config import DATA_DIR

from .conftest import exe, prospect_rows, seed_db, write_csv

pytestmark = pytest.mark.needs("exe")


@dataclass(frozen=True)
class Broken:
    file: str
    how: str
    old: str  # replaced once in the shipped file ("" for settings.yaml: `new` is the file)
    new: str
    at: str  # a line of the broken file that the message must name...
    key: str  # ...and the key it must name
    also_next: bool = False  # a missing key may be reported at its mapping's first line

    def text(self) -> str:
        if self.file == "settings.yaml":
            return self.new
        shipped = (DATA_DIR / self.file).read_text(encoding="utf-8")
        assert shipped.count(self.old) >= 1, (self.file, self.old)
        return shipped.replace(self.old, self.new, 1)

    def lines(self) -> set[int]:
        found = [n for n, line in enumerate(self.text().splitlines(), 1) if self.at in line]
        assert found, (self.file, self.at)
        return {found[0], found[0] + 1} if self.also_next else {found[0]}


def unclosed(line: str) -> str:
    """The line with its last double quote removed: the string runs on to the end of the file."""
    i = line.rindex('"')
    return line[:i] + line[i + 1:]


PB_TITLE = '    title: "If I were interested, I\'d have called you back"'
DISP_VISIT = '  - {name: visit, key: "w", label: "Visit / dropped off a packet", channel: visit'
CASES = [
    # playbook.yaml
    Broken("playbook.yaml", "unclosed quote", PB_TITLE, unclosed(PB_TITLE),
           "title: \"If I were", "title"),
    Broken("playbook.yaml", "bad indentation", '      wiifm: "That means more orders',
           '     wiifm: "That means more orders', "     wiifm:", "wiifm"),
    Broken("playbook.yaml", "unknown key", '      wiifm: "That means more orders',
           '      wiifm_extra: 1\n      wiifm: "That means more orders', "wiifm_extra",
           "personas.manufacturing.value_prop.wiifm_extra"),
    Broken("playbook.yaml", "wrong type",
           '      wiifm: "That means more orders shipped on time without adding a shift."',
           "      wiifm: [a, b]", "wiifm: [a, b]", "personas.manufacturing.value_prop.wiifm"),
    Broken("playbook.yaml", "missing key",
           '      wiifm: "That means more orders shipped on time without adding a shift."\n',
           "", "    value_prop:", "personas.manufacturing.value_prop.wiifm", also_next=True),
    Broken("playbook.yaml", "unknown placeholder", "We help practices like {company}",
           "We help practices like {compnay}", "{compnay}",
           "personas.healthcare.value_prop.reasons.0"),
    # cadences.yaml
    Broken("cadences.yaml", "unclosed quote", 'label: "Standard: 9 touches over 17 days"',
           'label: "Standard: 9 touches over 17 days', "label:", "label"),
    Broken("cadences.yaml", "bad indentation", "      - {day: 9, channel: email",
           "       - {day: 9, channel: email", "{day: 9,", "day"),
    Broken("cadences.yaml", "unknown key", "{day: 9, channel: email",
           "{day: 9, colour: red, channel: email", "colour", "cadences.standard.steps.5.colour"),
    Broken("cadences.yaml", "wrong type", "{day: 9, channel: email",
           "{day: nine, channel: email", "day: nine", "cadences.standard.steps.5.day"),
    Broken("cadences.yaml", "missing key", "default: standard\n", "",
           "unresponsive_recycle_days", "default"),
    Broken("cadences.yaml", "template not in the playbook", "template: letter_intro",
           "template: letter_intro_2", "letter_intro_2", "cadences.standard.steps.7.template"),
    # dispositions.yaml
    Broken("dispositions.yaml", "unclosed quote", DISP_VISIT, unclosed(DISP_VISIT),
           "{name: visit,", "label"),
    Broken("dispositions.yaml", "bad indentation", "  - {name: gatekeeper",
           "   - {name: gatekeeper", "{name: gatekeeper", "name"),
    Broken("dispositions.yaml", "missing comma", '{name: gatekeeper, key: "6"',
           '{name: gatekeeper key: "6"', "name: gatekeeper", "key"),
    Broken("dispositions.yaml", "unknown key", 'label: "Gatekeeper", channel: call',
           'label: "Gatekeeper", colour: red, channel: call', "colour", "outcomes.5.colour"),
    Broken("dispositions.yaml", "wrong type", "recycle_days: 120", "recycle_days: soon",
           "recycle_days: soon", "outcomes.0.recycle_days"),
    Broken("dispositions.yaml", "missing key", 'key: "6", label: "Gatekeeper",', 'key: "6",',
           "name: gatekeeper", "outcomes.5.label"),
    Broken("dispositions.yaml", "duplicate outcome key", '{name: gatekeeper, key: "6"',
           '{name: gatekeeper, key: "5"', "name: gatekeeper", "outcomes.5.key"),
    # calling_rules.yaml
    Broken("calling_rules.yaml", "unclosed quote", '      "ON": {name: Ontario',
           '      "ON: {name: Ontario', '"ON: {name', "ON"),
    Broken("calling_rules.yaml", "bad indentation", "    covers: [PR, VI, GU, AS, MP]",
           "     covers: [PR, VI, GU, AS, MP]", "covers:", "covers"),
    Broken("calling_rules.yaml", "unknown key", "    name: US federal\n",
           "    name: US federal\n    nmae: typo\n", "nmae", "countries.US.nmae"),
    Broken("calling_rules.yaml", "wrong type", "    attempts_per_24h: 3",
           "    attempts_per_24h: many", "attempts_per_24h: many", "states.FL.attempts_per_24h"),
    Broken("calling_rules.yaml", "missing key", "    name: US federal\n", "", "  US:",
           "countries.US.name", also_next=True),
    Broken("calling_rules.yaml", "bad time", '{days: mon-sun, start: "08:00", end: "21:00"}',
           '{days: mon-sun, start: "8am", end: "21:00"}', "8am", "countries.US.hours.0.start"),
    # settings.yaml (not shipped: the rep's own)
    Broken("settings.yaml", "unclosed quote", "", "rep_name: 'Sam\nregion: US\n",
           "rep_name", "rep_name"),
    Broken("settings.yaml", "bad indentation", "", "rep_name: Sam\n  region: US\n",
           "region", "region"),
    Broken("settings.yaml", "unknown key", "", "rep_name: Sam\nrep_nmae: Sam\n",
           "rep_nmae", "rep_nmae"),
    Broken("settings.yaml", "wrong type", "", "rep_name: Sam\nlease_minutes: lots\n",
           "lease_minutes", "lease_minutes"),
    Broken("settings.yaml", "unknown dial mode", "", "rep_name: Sam\ndial:\n  mode: pigeon\n",
           "mode: pigeon", "dial.mode"),
    Broken("settings.yaml", "window backwards", "",
           "rep_name: Sam\ncalling_window: ['18:00', '09:00']\n", "calling_window",
           "calling_window"),
]


def _snapshot(db: Path) -> dict[str, str]:
    """The database and its WAL side files, by content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(db.parent.glob(db.name + "*"))}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seeded")
    db = folder / "dialer.db"
    seed_db(db, write_csv(folder / "seed.csv", prospect_rows("Yc", 20)))
    return db


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([exe(), *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.file}:{c.how}")
def test_broken_file_stops_check_and_app_with_file_line_and_key(case, tmp_path, seeded):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    broken = cfg / case.file
    broken.write_text(case.text(), encoding="utf-8")
    fresh = tmp_path / "never-created.db"
    before = _snapshot(seeded)
    with ThreadPoolExecutor(2) as pool:  # the two processes side by side: half the wait
        check = pool.submit(_run, "--db", str(fresh), "--config", str(cfg), "check")
        app = pool.submit(_run, "--db", str(seeded), "--config", str(cfg))
        check, app = check.result(), app.result()
    lines = case.lines()
    for proc, what in ((check, "check"), (app, "the app")):
        message = proc.stderr.strip()
        assert proc.returncode == 2, (what, proc.returncode, message, proc.stdout[-500:])
        assert "Traceback" not in message, message
        assert f"{broken}:" in message, (what, message)
        line = int(message.split(f"{broken}:", 1)[1].split(":", 1)[0])
        assert line in lines, (what, f"line {line}, expected {sorted(lines)}", message)
        assert f": {case.key}: " in message, (what, case.key, message)
    assert check.stderr == app.stderr  # the same words whichever way it was started
    assert not fresh.exists() and not list(tmp_path.glob("never-created.db*"))
    assert _snapshot(seeded) == before


def test_every_shipped_file_and_settings_is_broken_every_way():
    files = {c.file for c in CASES}
    assert files == {"playbook.yaml", "cadences.yaml", "dispositions.yaml",
                     "calling_rules.yaml", "settings.yaml"}
    for f in files:
        hows = {c.how for c in CASES if c.file == f}
        assert {"unclosed quote", "bad indentation", "unknown key", "wrong type"} <= hows, f
