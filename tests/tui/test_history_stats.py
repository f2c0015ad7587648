"""History (h) and stats (S) over a real SQLite file with a scripted week of calling.

The script logs known outcomes with services.calling.log_outcome at fixed instants; the app clock
is pinned to Thursday 6 March 2025 16:00 UTC (the machine's zone is UTC: see conftest)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, col, select
from textual.widgets import DataTable, Static

from dialer_tui.screens.history import HistoryScreen
from dialer_tui.screens.stats import StatsScreen
from dialer_tui.services import history_view
from dialer_tui.services.calling import log_outcome
from dialer_tui.store.models import Prospect, Touch

from .conftest import make_app, screen_text, settle


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=timezone.utc)


NOW = utc(6, 16)  # Thursday 11:00 in New York
HOSTILE_NOTE = "[@click=app.quit] call back [/]"
SCRIPT = [  # (first name, outcome, instant, extra log_outcome arguments)
    ("Dana", "no_answer", utc(3, 13, 30), {}),
    ("Marcus", "left_voicemail", utc(3, 15), {"template_id": "value"}),
    ("Dana", "left_voicemail", utc(3, 18), {"template_id": "promise"}),
    ("Dana", "callback_requested", utc(4, 14),
     {"callback": "thu 9am", "objection_id": "send_info", "note": HOSTILE_NOTE}),
    ("Tom", "gatekeeper", utc(4, 14, 45), {"note": "asst Jen, ext 114"}),
    ("Alma", "do_not_call", utc(5, 15), {}),
    ("Marcus", "meeting_booked", utc(5, 20), {"objection_id": "send_info"}),  # (value: no promise)
    ("Dana", "no_answer", utc(6, 14, 5), {}),  # callback returned; Wednesday's promise missed
]


def ids_of(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {p.first_name: p.id for p in s.exec(select(Prospect))}  # type: ignore[misc]


@pytest.fixture
def scripted(engine, bundle):
    ids = ids_of(engine)
    with Session(engine, expire_on_commit=False) as s:
        for who, outcome, at, extra in SCRIPT:
            log_outcome(s, bundle, prospect_id=ids[who], outcome=outcome, at=at, rep="tester",
                        **extra)
    return ids


def rows_of(table: DataTable) -> list[tuple[str, ...]]:
    return [tuple(str(getattr(c, "plain", c)) for c in table.get_row_at(i))
            for i in range(table.row_count)]


def plain(static: Static) -> str:
    return str(getattr(static.content, "plain", static.content))


async def open_history(pilot, app, prospect_id: int) -> HistoryScreen:
    await settle(pilot, app)
    app.screen.open_prospect(prospect_id)  # what a search hit does
    await settle(pilot, app)
    await pilot.press("h")
    await settle(pilot, app)
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


async def test_h_opens_history_with_brief_rows_follow_ups_and_dnc(scripted, engine, bundle):
    app = make_app(engine, bundle, clock=lambda: NOW)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_history(pilot, app, scripted["Dana"])
        assert screen.head is not None
        assert screen.head.brief == [
            "attempt 5 of 7, 3 days since first touch",
            "Thu 06 Mar 09:05 no answer",
            f"Tue 04 Mar 09:00 callback - {HOSTILE_NOTE}",
            "Mon 03 Mar 13:00 voicemail",
            "last objection heard: send info",
            "1 voicemail left this week",
            "connected before on +1 305-555-0101 in the morning",
        ]
        head = plain(screen.query_one("#history-head", Static))
        assert head.splitlines()[:2] == [
            "Dana Whitfield · Plant Manager · Harbor Steel Works",
            "America/New_York, their time now Thu 11:00"]
        assert [line.removeprefix("• ") for line in head.splitlines()[2:]] == screen.head.brief
        table = screen.query_one("#history-touches", DataTable)
        number = "+1 305-555-0101"
        # each outcome in its short word from dispositions.yaml, as on the outcome bar
        assert rows_of(table) == [
            ("2025-03-06 14:05", "Thu 09:05", "call", "no answer", number, "", "", ""),
            ("2025-03-04 14:00", "Tue 09:00", "call", "callback", number, "", "",
             HOSTILE_NOTE),
            ("2025-03-03 18:00", "Mon 13:00", "voicemail", "voicemail", number, "promise",
             "Wednesday afternoon", ""),
            # 08:30 in Miami is 07:30 in Florida's Central panhandle: a call outside the rules,
            # flagged on its row (and said in full under the table)
            ("2025-03-03 13:30", "Mon 08:30", "call", "no answer !", number, "", "", ""),
        ]
        side = plain(screen.query_one("#history-followups", Static)).splitlines()
        assert side == ["Promises & callbacks",
                        "returned they asked Thursday 09:00 · 06 Mar",
                        "missed   you said   Wednesday afternoon · 05 Mar"]
        assert "4 of 4 touches shown" in screen_text(app)

        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, HistoryScreen)
        screen = await open_history(pilot, app, scripted["Alma"])
        side = plain(screen.query_one("#history-followups", Static)).splitlines()
        assert side == ["Promises & callbacks", "none", "", "Do not call",
                        "the person 2025-03-05 asked not to be called",
                        "+1 713-528-4400 2025-03-05 asked not to be called"]


async def test_hostile_text_renders_literally_in_history(hostile_engine, bundle):
    (pid,) = ids_of(hostile_engine).values()
    with Session(hostile_engine, expire_on_commit=False) as s:
        log_outcome(s, bundle, prospect_id=pid, outcome="no_answer", at=utc(3, 15),
                    note="[@click=app.quit] [/] [bold]x[/bold] \x1b[2J")
    app = make_app(hostile_engine, bundle, clock=lambda: NOW)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_history(pilot, app, pid)
        text = screen_text(app)
        assert "[@click=app.quit] [/]" in text  # the name, in the header
        assert "Acme [EMEA] Ltd" in text
        assert "note: [@click=app.quit] [/] [bold]x[/bold] ␛[2J" in text  # the full note
        row = rows_of(screen.query_one("#history-touches", DataTable))[0]
        assert row[-1] == "[@click=app.quit] [/] [bold]x[/bold] ␛[2J"
        await pilot.click("#history-head")
        await pilot.click("#history-touches", offset=(100, 1))
        await settle(pilot, app)
        assert app.is_running and isinstance(app.screen, HistoryScreen)


async def test_history_pages_through_thousands_of_touches(engine, bundle):
    pid = ids_of(engine)["Priya"]
    base = utc(4, 12)
    with Session(engine) as s:  # 450 touches, three at each instant (ties across pages)
        s.add_all([Touch(prospect_id=pid, channel="call", outcome="no_answer",
                         started_at=base - timedelta(hours=i // 3), note=f"n{i}")
                   for i in range(450)])
        s.commit()
        expected = [t.id for t in s.exec(select(Touch).where(Touch.prospect_id == pid)
                                         .order_by(col(Touch.started_at).desc(),
                                                   col(Touch.id).desc()))]
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_history(pilot, app, pid)
        table = screen.query_one("#history-touches", DataTable)
        counts = [table.row_count]
        table.scroll_end(animate=False)  # the wheel or the scrollbar: no cursor move
        await settle(pilot, app)
        counts.append(table.row_count)
        assert table.cursor_row == 0
        for _ in range(6):
            if table.row_count == len(expected):
                break
            await pilot.press("end")
            await settle(pilot, app)
            counts.append(table.row_count)
        assert counts == [history_view.PAGE, 2 * history_view.PAGE, 450]
        keys = [int(table.coordinate_to_cell_key((i, 0)).row_key.value or 0)
                for i in range(table.row_count)]
        assert keys == expected  # all of them, once each, newest first
        assert not screen.more
        assert "450 of 450 touches shown" in screen_text(app)


EXPECTED_FIGURES = """\
Dials                     8
Connects                  3
Connect rate          37.5%
  reference 1 in 7    14.3%
Conversations             2
Meetings                  1
Voicemails                2
Callbacks returned      1/1
Dials / hour            0.8
Promises kept           0/1
Promises missed           1
Abandoned before 7        0"""


async def test_stats_screen_shows_the_scripted_counts(scripted, engine, bundle):
    app = make_app(engine, bundle, clock=lambda: NOW)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("S")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert plain(screen.query_one("#stats-figures", Static)) == EXPECTED_FIGURES
        templates = rows_of(screen.query_one("#stats-templates", DataTable))
        assert templates == [("promise", "1", "1", "0"), ("value", "1", "0", "1")]
        objections = rows_of(screen.query_one("#stats-objections", DataTable))
        assert objections == [("send info", "2", "1")]
        hours = {h["hour"]: (h["dials"], h["connects"]) for h in screen.data["by_local_hour"]
                 if h["dials"]}
        assert hours == {8: (1, 0), 9: (5, 2), 13: (1, 0), 14: (1, 1)}
        text = screen_text(app)
        assert "rate 0%   40%  -    -    -    0%   100%" in text
        assert "dial 3    2    2    1" in text  # Mon..Thu

        await pilot.press("1")  # today: Thursday since 00:00
        await settle(pilot, app)
        assert screen.data["dials"] == 1 and screen.data["connects"] == 0
        assert plain(screen.query_one("#stats-figures", Static)).splitlines()[0] == (
            "Dials                     1")
        assert rows_of(screen.query_one("#stats-templates", DataTable)) == []
        await pilot.press("4")
        await settle(pilot, app)
        assert screen.data["dials"] == 8 and screen.data["since"] is None
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, StatsScreen)


async def test_history_and_stats_keys_have_ids_for_the_keymap_and_palette(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        rows = {i: (k, a) for k, _d, i, a in app.screen.binding_rows()}
        assert rows["cockpit.history"] == ("h", "history")
        assert rows["cockpit.stats"][1] == "stats"


def test_stats_snapshot_120x35(scripted, engine, bundle, snap_compare):
    app = make_app(engine, bundle, clock=lambda: NOW)

    async def open_stats(pilot) -> None:
        await settle(pilot, app)
        await pilot.press("S")
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=(120, 35), run_before=open_stats)
