"""Hostile text in every imported field: shown literally in every pane of the cockpit, in the
search results and beside the help screen, inert in a real terminal, and neutralised in exports."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from dialer_tui.services.bundle import load_bundle  # noqa: E402
from dialer_tui.services.exporter import export_prospects, export_touches  # noqa: E402
from dialer_tui.services.importer import import_csv  # noqa: E402
from dialer_tui.store.engine import make_engine  # noqa: E402

from .conftest import app_command, needs_terminal, round_the_clock_config  # noqa: E402

# Tuesday 4 March 2025, 15:00 UTC: 10:00 in New York and Boston, inside every calling window.
PINNED = datetime(2025, 3, 4, 15, 0, tzinfo=timezone.utc)
HOSTILE = [
    "[@click=app.quit]", "[/]", "[bold red]x", "Acme [EMEA] Ltd", "\x1b[31mred",
    "\x1b]52;c;SGVsbG8=\x07", '=HYPERLINK("http://x","y")', "@SUM(A1)", "{first_name}",
    "{0.__class__}", "\x1b]0;PWNED\x07title",
]
# What a rep must see: the characters themselves; control characters as their visible symbols.
SHOWN = {"\x1b[31mred": "\u241b[31mred", "\x1b]52;c;SGVsbG8=\x07": "\u241b]52;c;SGVsbG8=\u2407",
         "\x1b]0;PWNED\x07title": "\u241b]0;PWNED\u2407title"}
# Every text column an import fills, and the CSV header that fills it.
FIELDS = {"first_name": "First Name", "last_name": "Last Name", "title": "Title",
          "company": "Company", "industry": "Industry", "city": "City", "region": "State",
          "country": "Country", "email": "Email", "research_notes": "Notes",
          "referrer_name": "Referred By", "assistant_name": "Assistant"}
CUSTOM = "Favourite Colour"
FORMULA = tuple("=+-@\t\r\n")


def shown(value: str) -> str:
    return SHOWN.get(value, value)


def phone(i: int) -> str:
    return f"(617) 736-{5000 + i:04d}"


def build_db(tmp_path: Path) -> tuple[Path, dict[int, str]]:
    """One prospect per hostile string, every imported field set to it (plus a custom column);
    returns the db and prospect id -> hostile string."""
    header = [*FIELDS.values(), CUSTOM, "Phone"]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    for i, h in enumerate(HOSTILE):
        # The last name keeps a plain tail: a name made only of escape codes is no name (such a
        # row is rejected, tests/reliability/test_hostile_csv.py), and these rows must import.
        writer.writerow([h, f"{h}L{i}"] + [h] * (len(FIELDS) - 1) + [phone(i)])
    path = tmp_path / "hostile.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    db = tmp_path / "hostile.db"
    engine = make_engine(db)
    try:
        result = import_csv(engine, path, region="US", now=PINNED - timedelta(days=1))
    finally:
        engine.dispose()
    assert result.imported == len(HOSTILE) and result.rejected == 0, result.summary()
    con = sqlite3.connect(db)
    try:
        ids = {}
        for pid, first, company, custom in con.execute(
                "SELECT p.id, first_name, company, custom_fields FROM prospect p "
                "JOIN phone_number ph ON ph.prospect_id = p.id ORDER BY ph.e164"):
            h = HOSTILE[len(ids)]
            ids[pid] = h
            if "\x1b" not in h:  # markup and formulas are data: stored exactly as they came
                assert first == h and company == h, (first, company)
                assert json.loads(custom)[CUSTOM] == h, custom
            else:  # the importer drops terminal escapes from what it stores
                assert "\x1b" not in first + company + custom and "\x07" not in first
        # A rep may type anything later (notes, edits) and older files were not scrubbed: put
        # the raw strings, escapes included, back into every field for the screens below.
        for pid, h in ids.items():
            con.execute(f"UPDATE prospect SET {', '.join(f'{c} = ?' for c in FIELDS)}, "
                        "custom_fields = ? WHERE id = ?",
                        [h] * len(FIELDS) + [json.dumps({CUSTOM: h}), pid])
        con.commit()
    finally:
        con.close()
    return db, ids


# --------------------------------------------------------------------------------- the screens


def _lines(app) -> list[str]:
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    text = console.export_text(styles=False)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    return text.splitlines()


def region_text(app, widget) -> str:
    """What the screen shows inside a widget's region, its lines joined with single spaces (a
    long value may wrap)."""
    r = widget.content_region
    lines = _lines(app)[r.y:r.y + r.height]
    return " ".join(" ".join(line[r.x:r.x + r.width] for line in lines).split())


def flat(value: str) -> str:
    return " ".join(value.split())


async def settle(pilot, app) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


@pytest.fixture
def quick_cockpit(monkeypatch):
    from dialer_tui.services import queue_window

    monkeypatch.setattr(queue_window, "REFRESH_DELAY", 0)


async def test_hostile_text_is_literal_in_every_pane_search_and_help(tmp_path, quick_cockpit):
    """Every text field of each prospect holds one hostile string ([@click=app.quit], [/], Rich
    markup, ANSI colour, OSC 52 clipboard and OSC 0 title writes, spreadsheet formulas, format
    placeholders). For each prospect: the queue row, the dossier (several fields) and the script
    (first name and company substituted) show it literally (ESC/BEL as visible symbols), and so
    do the search results; clicking on every character of it does nothing; the help screen
    opens over it; no ESC or BEL is ever in the rendered output; the app keeps running."""
    from dialer_tui.app import DialerApp
    from dialer_tui.screens.help import HelpScreen
    from dialer_tui.screens.search import SearchScreen

    db, ids = build_db(tmp_path)
    engine = make_engine(db)
    app = DialerApp(engine=engine, bundle=load_bundle(None), rep="tester", clock=lambda: PINNED)
    seen = set()
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        queue = cockpit.query_one("#queue")
        assert len(queue.items) == len(HOSTILE)
        for row in range(len(HOSTILE)):
            queue.move_cursor(row=row, animate=False)
            await settle(pilot, app)
            pid = cockpit.state.current_id
            h = ids[pid]
            seen.add(h)
            s = flat(shown(h))
            queue_text = region_text(app, queue)
            assert flat(f"{s} {s}")[:14] in queue_text, (h, queue_text)
            dossier = region_text(app, cockpit.query_one("#dossier"))
            # name (twice), title, company, place, email, referrer, assistant, research notes
            assert dossier.count(s) >= 8, (h, dossier)
            script = region_text(app, cockpit.query_one("#script"))
            assert script.count(s) >= 2, (h, script)  # "Hi {first_name}", "like {company}"
            assert "<class" not in script  # no str.format on imported text
            # On the name: all along the clickable-looking one, the middle of the others.
            for dx in range(0, len(s) + 1, 2) if "@click" in h else (len(s) // 2,):
                await pilot.click("#dossier-head", offset=(dx, 0))
            if "@click" in h:
                await pilot.click("#queue", offset=(18, row + 1))
                await pilot.click("#script", offset=(9, 1))
            await settle(pilot, app)
            assert app.is_running and app.return_code is None, h

            await pilot.press("slash")
            await settle(pilot, app)
            assert isinstance(app.screen, SearchScreen)
            await pilot.press("6", "1")  # typed, then the rest at once (a paste)
            search = app.screen.query_one("#search-input")
            search.value = re.sub(r"\D", "", phone(HOSTILE.index(h)))
            await settle(pilot, app)
            results = region_text(app, app.screen.query_one("#search-results"))
            assert s in results, (h, results)
            await pilot.click("#search-results", offset=(2, 0))  # on the hostile text
            await settle(pilot, app)
            if isinstance(app.screen, SearchScreen):
                await pilot.press("enter")
                await settle(pilot, app)
            assert app.screen is cockpit and cockpit.state.current_id == pid

            if row % 4 == 0 or "@click" in h:  # the help over a hostile dossier
                await pilot.press("question_mark")
                await settle(pilot, app)
                assert isinstance(app.screen, HelpScreen)
                assert "Keys" in region_text(app, app.screen.query_one("#help-box"))
                _lines(app)  # no control character anywhere on the screen
                await pilot.press("escape")
                await settle(pilot, app)
            assert app.is_running and app.screen is cockpit
        assert seen == set(HOSTILE)

        # An outcome on one of them: the acknowledgement line is literal too.
        queue.move_cursor(row=0, animate=False)
        await settle(pilot, app)
        h = ids[cockpit.state.current_id]
        await pilot.press("4")
        await settle(pilot, app)
        ack = region_text(app, cockpit.query_one("#ack"))
        assert f"for {flat(shown(h))} {flat(shown(h))}" in ack, ack
        assert app.is_running
    engine.dispose()


# --------------------------------------------------------------------------- a real terminal


@needs_terminal
def test_no_escape_from_imported_text_reaches_a_real_terminal(tmp_path, tmux):
    """The installed app in tmux, on the same data: every row visited, the search and the help
    screen opened. The raw byte stream sent to the terminal (tmux pipe-pane) holds none of the
    payloads' sequences, the pane title is unchanged and no OSC 52 reached tmux's clipboard;
    capture-pane shows the visible symbols instead."""
    db, ids = build_db(tmp_path)
    cfg = round_the_clock_config(tmp_path / "cfg")
    raw = tmp_path / "terminal.raw"
    name = "hostile"
    # The app waits for a line on stdin, so the pipe is attached before its first byte.
    tmux.start(name, f"sh -c 'read go; exec {app_command(db, cfg)}'", width=200, height=50)
    tmux.run("set-option", "-g", "set-clipboard", "on")  # an OSC 52 would land in a buffer
    tmux.run("pipe-pane", "-o", "-t", name, f"cat >> {raw}")
    title = tmux.run("display-message", "-p", "-t", name, "#{pane_title}").strip()
    tmux.keys(name, "Enter")
    screens = [tmux.settled(name, lambda s: "callable now" in s)]
    for _ in range(len(HOSTILE) - 1):
        tmux.keys(name, "Down")  # the next row: wait until its dossier has replaced the last
        screens.append(tmux.settled(name, lambda s, last=screens[-1]: s != last))
    for h in HOSTILE:  # each one's dossier was on screen, shown literally
        assert any(shown(h) in screen for screen in screens), h
    tmux.keys(name, "/")
    tmux.wait_for(name, lambda s: "Search:" in s)
    tmux.literal(name, "6177365005")  # the OSC 52 prospect
    tmux.wait_for(name, lambda s: "1 match" in s)
    tmux.keys(name, "Enter")
    tmux.wait_for(name, lambda s: "Search:" not in s and "\u241b]52;c;SGVsbG8=\u2407" in s)
    tmux.keys(name, "?")
    tmux.wait_for(name, lambda s: "Keys (remap" in s)
    tmux.keys(name, "Escape")
    tmux.settled(name, lambda s: "Keys (remap" not in s)
    colour = tmux.capture(name, escapes=True)
    tmux.keys(name, "C-q")
    tmux.wait_exit(name)  # the last frames are in the pipe
    stream = raw.read_bytes()
    assert len(stream) > 10_000  # the frames really went through the pipe
    for needle in (b"\x1b]52;", b"SGVsbG8=\x07", b"\x1b]0;PWNED", b"\x1b[31mred", b"PWNED\x07"):
        assert needle not in stream, needle
    assert "\u241b]52;c;SGVsbG8=".encode() in stream
    assert tmux.run("list-buffers").strip() == ""
    assert tmux.run("display-message", "-p", "-t", name, "#{pane_title}").strip() in (title, "")
    assert not re.search(r"\x1b\[31mred", colour)


# ------------------------------------------------------------------------------------ exports


def test_exports_neutralise_every_formula_cell(tmp_path):
    """export_prospects / export_touches: no cell starts with = + - @ tab CR or LF unless an
    apostrophe comes first, and the hostile values are otherwise kept exactly."""
    from sqlmodel import Session

    from dialer_tui.services.calling import log_outcome

    db, ids = build_db(tmp_path)
    engine = make_engine(db)
    bundle = load_bundle(None)
    extra = ["\t=1+1", "\r=cmd|' /C calc'!A0", "\n@x", "-2+3", "+1", "=1", "@", "plain"]
    with Session(engine) as s:
        for i, pid in enumerate(ids):
            logged = log_outcome(s, bundle, prospect_id=pid, outcome="left_voicemail",
                                 at=PINNED + timedelta(minutes=i), rep=extra[i % len(extra)])
            from dialer_tui.services.cockpit import set_touch_note

            set_touch_note(s, touch_id=logged.touch_id, note=ids[pid] + " / " + extra[i % 8])
    con = sqlite3.connect(db)
    try:
        for i, pid in enumerate(ids):
            con.execute("UPDATE prospect SET owner = ?, linkedin_url = ? WHERE id = ?",
                        (extra[i % len(extra)], extra[(i + 1) % len(extra)], pid))
        con.commit()
    finally:
        con.close()
    for export, name in ((export_prospects, "prospects.csv"), (export_touches, "touches.csv")):
        path = tmp_path / name
        rows = export(engine, path)
        assert rows == len(HOSTILE)
        with open(path, newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh))
        cells = [c for row in table for c in row]
        bad = [c for c in cells if c.startswith(FORMULA)]
        assert bad == []
        for h in HOSTILE + extra:
            if h.startswith(FORMULA):
                assert any(c == "'" + h or c.startswith("'" + h) for c in cells), (name, h)
        assert any(c.startswith("'+1617736") for c in cells)  # E.164 numbers too
    engine.dispose()
