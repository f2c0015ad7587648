"""Outcome 9's form takes the referred person's email (issue 17: "the referral form has no
email"): checked lightly before the form closes, stored on the new prospect, shown in its
dossier. The real app under Pilot on a real SQLite file."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.widgets import Input, Static

from dialer_tui.screens.referral import ReferralScreen
from dialer_tui.store.models import Prospect

from .conftest import make_app, screen_text, settle


def _referred(engine, first: str) -> Prospect | None:
    with Session(engine) as s:
        return s.exec(select(Prospect).where(Prospect.first_name == first)).first()


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def test_the_referral_form_stores_the_email_typed_and_the_dossier_shows_it(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(80, 24)) as pilot:  # the smallest terminal the app supports
        await settle(pilot, app)
        cockpit = app.screen
        await pilot.press("9")
        await settle(pilot, app)
        form = app.screen
        assert isinstance(form, ReferralScreen)
        # the keyboard only: name, Enter past company and title, email, number, Enter saves
        await _type(pilot, "Robin Lee")
        await pilot.press("enter", "enter", "enter")
        assert app.focused is form.query_one("#ref-email", Input)
        await _type(pilot, "robin lee@harbor.example")
        await pilot.press("enter")
        await _type(pilot, "3055550999")
        phone = form.query_one("#ref-phone", Input)
        assert app.focused is phone
        box = form.query_one("#referral-box")
        assert box.region.contains_region(phone.region)  # in sight at 80x24: the form scrolls
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is form  # a space: refused before anything is stored
        error = form.query_one("#ref-error", Static)
        assert "not an email address: it has a space" in str(error.render())
        assert box.region.contains_region(error.region)
        assert _referred(engine, "Robin") is None

        form.query_one("#ref-email", Input).value = "Robin.Lee@Harbor.example"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is cockpit
        new = _referred(engine, "Robin")
        assert new is not None
        assert (new.email, new.email_key) == ("Robin.Lee@Harbor.example",
                                              "robin.lee@harbor.example")
        cockpit.open_prospect(new.id)
        await settle(pilot, app)
        assert "Robin.Lee@Harbor.example" in screen_text(app)
