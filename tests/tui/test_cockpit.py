"""The cockpit between dials: search, hostile text, the empty state, help, palette, edits, dial."""

from __future__ import annotations

import dataclasses
import os
import sys

import pytest
from sqlmodel import Session, select
from textual.widgets import Input, TextArea

from dialer_tui.config import DialSettings
from dialer_tui.services import cockpit as svc
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import PhoneNumber, Prospect
from dialer_tui.widgets.dossier import DossierPane

from .conftest import make_app, screen_text, settle


async def test_queue_dossier_and_script_show_the_first_prospect(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        for title in ("Queue", "Dossier", "Script", "Outcome"):
            assert f"─ {title} ─" in text
        assert "Dana Whitfield" in text and "Harbor Steel Works" in text
        assert "callable now" in text
        assert "ask for the mobile" not in text  # Dana has a mobile
        assert "voicemail: value" in text
        # Priya (San Francisco) is at 07:00 local: outside calling hours, so not queued.
        assert "Priya" not in text


async def test_start_up_fills_in_what_waits_for_the_first_frame(db_path, tmp_path, bundle):
    """The first frame shows the first screenful of the queue; then the footer's keys, the first
    prospect's dossier and the rest of the queue window arrive."""
    from dialer_tui.services.first_page import FIRST_WINDOW
    from dialer_tui.widgets.queue_list import QueueList

    from .conftest import _import, many_rows, write_csv

    engine = make_engine(db_path)
    _import(engine, write_csv(tmp_path / "more.csv", many_rows(FIRST_WINDOW + 15)))
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        assert app.first_frame_shown and app.screen.first_painted
        assert len(app.screen.query_one(QueueList).items) == FIRST_WINDOW + 15
        text = screen_text(app)
        assert "/ Search" in text and "? Help" in text  # the footer's keys
        assert "P00 Tester" in text and "Company 00" in text  # the dossier, read
    engine.dispose()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork: the CLI reads in-process")
async def test_start_up_as_the_cli_does_it(engine, db_path, tmp_path, bundle):
    """`dialer-tui`'s way (services/first_page.py): a forked child reads the first screenful and
    the first dossier; the app shows them and opens its own engine only after the first frame."""
    from dialer_tui.app import DialerApp
    from dialer_tui.services.first_page import FirstPageReader

    from .conftest import PINNED

    (tmp_path / "cfg").mkdir()
    reader = FirstPageReader.start(db=str(db_path), config=str(tmp_path / "cfg"), at=PINNED,
                                   rep="")
    assert reader is not None
    reader.go()
    assert reader.opened()
    opened_after_first_frame: list[bool] = []
    taken = []

    def open_engine():
        opened_after_first_frame.append(app.screen.first_painted)
        return make_engine(db_path)

    app = DialerApp(open_engine=open_engine, first_reader=reader, bundle=bundle,
                    clock=lambda: PINNED)
    take = app.take_first_view
    app.take_first_view = lambda pid: taken.append(take(pid)) or taken[-1]  # type: ignore[method-assign]
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "Dana Whitfield" in text and "callable now" in text  # queue row and dossier
        assert "voicemail: value" in text  # the script, from the same view
        assert opened_after_first_frame == [True]
        assert len(taken) == 1 and taken[0] is not None  # the child's dossier, not a re-read
        assert taken[0].dossier.prospect.name == "Dana Whitfield"
        assert reader._pid == 0  # reaped
        await pilot.press("4")  # an outcome on the engine opened after the first frame
        await settle(pilot, app)
        assert "Logged left voicemail for Dana Whitfield" in screen_text(app)


async def test_search_by_phone_in_another_format_opens_the_dossier(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await settle(pilot, app)
        box = app.screen.query_one("#search-input", Input)
        box.value = "+1.713.528.4400"
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        view = app.screen.query_one(DossierPane).view
        assert view is not None and view.dossier.prospect.name == "Alma Reyes"
        assert "Gulf Coast Dental" in screen_text(app)
        # Not callable right now (or not in the queue) does not matter: search opens anyone.
        await pilot.press("slash")
        await settle(pilot, app)
        app.screen.query_one("#search-input", Input).value = "4158675309"
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "Priya Raman" in text and "not callable now" in text
        assert "next allowed" in text


async def test_hostile_text_renders_literally_and_clicks_do_nothing(hostile_engine, bundle):
    with Session(hostile_engine) as s:
        pid = s.exec(select(Prospect.id)).one()
    with Session(hostile_engine) as s:  # typed later by a rep: the importer strips controls
        svc.set_research_notes(s, prospect_id=pid, at=_now(),
                               text="\x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07 [b]x[/b]")
    app = make_app(hostile_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "[@click=app.quit] [/]" in text
        assert "Acme [EMEA] Ltd" in text
        assert "\u241b[31mred\u241b[0m" in text  # ESC shown as a visible symbol
        assert "[b]x[/b]" in text
        assert "\x1b]52" not in text
        await pilot.click("#dossier-head", offset=(2, 0))
        await pilot.click("#queue", offset=(20, 1))
        await settle(pilot, app)
        assert app.is_running and app.return_code is None
        await pilot.press("4")
        await settle(pilot, app)
        assert "Logged left voicemail for [@click=app.quit] [/]" in screen_text(app)
        assert app.is_running


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


async def test_empty_database_shows_the_welcome(empty_engine, bundle):
    app = make_app(empty_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "dialer-tui import FILE.csv" in text and "dialer-tui demo" in text
        assert app.screen.has_class("-empty")
        await pilot.press("5")  # no prospect: the outcome key does nothing, nothing crashes
        await settle(pilot, app)
        assert app.is_running


async def test_help_lists_bindings_with_ids_and_keymap_applies(engine, bundle):
    settings = bundle.settings.model_copy(update={"keys": {"outcome.no_answer": "x"}})
    app = make_app(engine, dataclasses.replace(bundle, settings=settings))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("question_mark")
        await settle(pilot, app)
        text = screen_text(app)
        assert "outcome.meeting_booked" in text and "cockpit.search" in text
        assert "No answer" in text
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("x")  # remapped from 5
        await settle(pilot, app)
        assert app.screen.state.current_id != pid
        assert app.stats.dials == 1


async def test_command_palette_lists_cockpit_actions(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"snooze")
        await settle(pilot, app)
        assert "Snooze 1h" in screen_text(app)


async def test_command_palette_shows_outcome_labels_literally(engine, bundle):
    """Outcome labels come from a user's dispositions.yaml: markup in one is text in the palette
    (it was parsed: "[later]" vanished and "[/]" raised when the palette searched)."""
    outcomes = list(bundle.dispositions.outcomes)
    outcomes[0] = outcomes[0].model_copy(update={"label": "Booked [later] [/]"})
    hostile = dataclasses.replace(bundle, dispositions=bundle.dispositions.model_copy(
        update={"outcomes": tuple(outcomes)}))
    app = make_app(engine, hostile)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"booked")
        await settle(pilot, app)
        assert "Booked [later] [/]" in screen_text(app)
        assert app.is_running


async def test_skip_snooze_add_number_and_notes(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        first = cockpit.state.current_id
        await pilot.press("s")
        await settle(pilot, app)
        second = cockpit.state.current_id
        assert second not in (None, first)
        await pilot.press("z")
        await settle(pilot, app)
        assert cockpit.state.current_id not in (None, second)
        assert second in cockpit.state.snoozed
        await pilot.press("r")  # a refresh keeps the snoozed one out
        await settle(pilot, app)
        assert second not in [it.prospect_id for it in cockpit.query_one("#queue").items]
        target = cockpit.state.current_id
        await pilot.press("a")
        await settle(pilot, app)
        app.screen.query_one("#phone-input", Input).value = "not a number"
        await pilot.press("enter")
        await settle(pilot, app)
        assert "phone-box" in [w.id for w in app.screen.query("*")]  # still open, says why
        app.screen.query_one("#phone-input", Input).value = "305.555.0177 x12"
        await pilot.press("enter")
        await settle(pilot, app)
        with Session(engine) as s:
            added = s.exec(select(PhoneNumber).where(PhoneNumber.e164 == "+13055550177")).one()
        assert added.prospect_id == target and added.extension == "12"
        await pilot.press("e")
        await settle(pilot, app)
        app.screen.query_one(TextArea).text = "Budget cycle starts in April"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        with Session(engine) as s:
            assert s.get(Prospect, target).research_notes == "Budget cycle starts in April"
        assert "Budget cycle starts in April" in screen_text(app)


async def test_dial_command_runs_an_argv_without_a_shell(engine, bundle, tmp_path):
    out = tmp_path / "dialled.txt"
    argv = [sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
            str(out), "tel:{e164};$(touch pwned)"]
    settings = bundle.settings.model_copy(
        update={"dial": DialSettings(mode="command", command=argv)})
    app = make_app(engine, dataclasses.replace(bundle, settings=settings))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        phone = app.screen.state.phone
        await pilot.press("d")
        await settle(pilot, app)
        for _ in range(100):
            if out.exists() and out.read_text():
                break
            await pilot.pause(0.02)
        assert out.read_text() == f"tel:{phone};$(touch pwned)"
        assert not (tmp_path / "pwned").exists()


async def test_narrow_terminal_hides_the_script_until_asked(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.screen.has_class("-narrow")
        text = screen_text(app)
        assert "─ Queue ─" in text and "─ Dossier ─" in text and "─ Outcome ─" in text
        assert "─ Script ─" not in text
        await pilot.press("p")
        await settle(pilot, app)
        text = screen_text(app)
        assert "─ Script ─" in text and "─ Dossier ─" not in text


async def test_objection_filter_and_voicemail_stopwatch(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await settle(pilot, app)
        assert app.focused is app.screen.query_one("#objection-filter", Input)
        listed = app.screen.query_one("#objection-list").option_count
        await pilot.press(*"price")
        await settle(pilot, app)
        narrowed = app.screen.query_one("#objection-list").option_count
        assert 0 < narrowed < listed
        await pilot.press("enter")
        await settle(pilot, app)
        answer = app.screen.query_one("#objection-answer").render()
        assert str(answer).strip()
        await pilot.press("escape", "v")
        await settle(pilot, app)
        watch = app.screen.query_one("#stopwatch")
        assert watch.running
        watch.started -= 31  # as if 31 s had passed: past the 30 s warning
        await pilot.pause(0.3)
        assert watch.has_class("-warn") and watch.has_class("-over")
        await pilot.press("v")
        assert not watch.running
