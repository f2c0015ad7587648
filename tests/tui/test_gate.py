"""The cockpit asks the gate at the key: `d`, power mode and `D` (the override with a reason), and
`n` only ever lands on a dialable number whose verdict the dossier then shows. The dial hand-off
is the clipboard: what it holds is what was dialled."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from sqlmodel import Session
from textual.widgets import Input

from dialer_tui.config import DialSettings
from dialer_tui.screens.edit import OverrideScreen
from dialer_tui.services import cockpit as svc
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.gate import check_dial
from dialer_tui.widgets.dossier import DossierPane

from .conftest import PINNED, make_app, screen_text, settle, touches
from .test_history_stats import ids_of

UTC = timezone.utc
# Wednesday 5 March 2025, 07:42 UTC: 01:42 in Chicago, 02:42 in New York.
NIGHT = datetime(2025, 3, 5, 7, 42, tzinfo=UTC)


def clipboard_app(engine, bundle, clock, power: bool = False):
    settings = bundle.settings.model_copy(
        update={"dial": DialSettings(mode="clipboard", power_mode=power)})
    return make_app(engine, dataclasses.replace(bundle, settings=settings), clock=clock)


def ack(app) -> str:
    return app.screen.query_one("#ack").content.plain


async def open_prospect(pilot, app, pid: int) -> None:
    await settle(pilot, app)
    app.screen.open_prospect(pid)  # what a search hit does: the unannounced callback
    await settle(pilot, app)
    assert app.screen.state.current_id == pid


async def test_d_at_night_is_refused_with_the_reason_and_the_next_time(engine, bundle):
    marcus = ids_of(engine)["Marcus"]
    app = clipboard_app(engine, bundle, clock=lambda: NIGHT)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_prospect(pilot, app, marcus)
        assert "not callable now" in screen_text(app)
        await pilot.press("d")
        await settle(pilot, app)
        assert app.clipboard == ""  # nothing handed to the phone
        said = ack(app)
        assert said.startswith("Not dialled: 01:42 in America/Chicago") and "08:00" in said
        assert "next allowed Wed 08:00 in America/Chicago" in said


async def test_d_refuses_a_fourth_call_to_a_capped_person(engine, bundle):
    dana = ids_of(engine)["Dana"]  # Miami: Florida allows 3 calls per 24 h
    with Session(engine, expire_on_commit=False) as s:
        for minutes in (30, 20, 10):
            log_outcome(s, bundle, prospect_id=dana, outcome="no_answer",
                        at=PINNED - timedelta(minutes=minutes))
    app = clipboard_app(engine, bundle, clock=lambda: PINNED)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_prospect(pilot, app, dana)
        reasons = app.screen.query_one(DossierPane).view.explanation.reasons
        assert any("3 attempts in the last 24 h" in r for r in reasons)
        assert "not callable now" in screen_text(app)
        await pilot.press("d")
        await settle(pilot, app)
        assert app.clipboard == "" and "3 attempts in the last 24 h" in ack(app)


async def test_n_lands_only_on_dialable_numbers_and_the_dossier_judges_each(engine, bundle):
    tom = ids_of(engine)["Tom"]  # New York; 10:00 there, 07:00 in Los Angeles
    with Session(engine, expire_on_commit=False) as s:
        svc.add_phone(s, prospect_id=tom, raw="(213) 555-0142", region="US", kind="office",
                      at=PINNED)  # a Los Angeles line: 07:00 there, not callable yet
        svc.add_phone(s, prospect_id=tom, raw="(646) 555-0199", region="US", kind="direct",
                      at=PINNED)
        log_outcome(s, bundle, prospect_id=tom, outcome="wrong_number", phone="+16465550199",
                    at=PINNED - timedelta(days=1))  # that number is bad now
    app = clipboard_app(engine, bundle, clock=lambda: PINNED)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_prospect(pilot, app, tom)
        seen = {}
        for _ in range(4):
            phone = app.screen.state.phone
            verdict = app.screen.query_one(DossierPane).view.explanation
            assert verdict.phone == phone  # the dossier judged the number `d` would dial
            with Session(engine) as s:
                gate = check_dial(s, bundle, prospect_id=tom, at=PINNED, e164=phone)
            assert verdict.callable == gate.allowed
            seen[phone] = gate.allowed
            await pilot.press("n")
            await settle(pilot, app)
        assert seen == {"+12127365000": True, "+12135550142": False}
        while app.screen.state.phone != "+12135550142":
            await pilot.press("n")
            await settle(pilot, app)
        shown = app.screen.query_one(DossierPane).view.explanation
        assert shown.phone == "+12135550142" and not shown.callable
        assert "not callable now" in screen_text(app)
        await pilot.press("d")
        await settle(pilot, app)
        assert app.clipboard == "" and "Not dialled" in ack(app)


async def test_D_dials_outside_the_rules_only_with_a_reason_kept_on_the_touch(engine, bundle):
    marcus = ids_of(engine)["Marcus"]
    app = clipboard_app(engine, bundle, clock=lambda: NIGHT)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_prospect(pilot, app, marcus)
        await pilot.press("D")
        await settle(pilot, app)
        assert isinstance(app.screen, OverrideScreen)
        assert app.clipboard == ""  # one key never dials
        await pilot.press("o", "k", "enter")  # too short to say why
        await settle(pilot, app)
        assert isinstance(app.screen, OverrideScreen)
        box = app.screen.query_one("#override-reason", Input)
        box.value = ""
        await pilot.press(*"on call in Singapore, asked for now")
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, OverrideScreen)
        assert app.clipboard == "+13122534410" and "outside the rules" in ack(app)
        await pilot.press("5")  # no answer
        await settle(pilot, app)
    touch = touches(engine, marcus)[0]
    assert touch.outcome == "no_answer"
    assert touch.compliance.startswith("outside the rules: 01:42 in America/Chicago")
    assert "(override by tester: on call in Singapore, asked for now)" in touch.compliance


async def test_power_mode_asks_the_gate_for_the_next_row_at_the_instant_it_dials(
        engine, bundle, monkeypatch):
    from dialer_tui.services import queue_window

    # The window is not re-read after the outcome (it would drop the stale row): the row the
    # rep sees next was judged a minute ago, and power mode must not trust that verdict.
    monkeypatch.setattr(queue_window, "LOW_WATER", 0)
    ids = ids_of(engine)
    with Session(engine, expire_on_commit=False) as s:  # leave Marcus, then Alma, in the queue
        for name in ("Priya", "Tom", "Dana"):
            log_outcome(s, bundle, prospect_id=ids[name], outcome="do_not_call",
                        at=PINNED - timedelta(days=1))
    now = [datetime(2025, 3, 5, 2, 59, 30, tzinfo=UTC)]  # 20:59:30 in Chicago and Houston
    app = clipboard_app(engine, bundle, clock=lambda: now[0], power=True)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        assert app.screen.state.current_id == ids["Marcus"]
        rows = [i.prospect_id for i in app.screen.query_one("QueueList").items]
        assert rows == [ids["Marcus"], ids["Alma"]]  # both callable when the queue was read
        now[0] += timedelta(minutes=1)  # 21:00:30: US federal hours are over in Houston
        await pilot.press("4")  # left a voicemail: Marcus is next tried another day
        await settle(pilot, app)
        assert app.screen.state.current_id == ids["Alma"]
        assert app.clipboard == "" and ack(app).startswith("Not dialled: 21:00 in America/Chicago")
