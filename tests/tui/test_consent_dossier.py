"""The dossier shows whom the line reaches and the consent on record (issue 15, part 4), as
plain text: imported consent text is never markup."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from dialer_tui.store.models import Prospect

from .conftest import make_app, screen_text, settle


async def test_recorded_line_and_consent_show_literally(engine, bundle):
    with Session(engine) as s:
        dana = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        dana.line, dana.consent_basis = "consumer", "[bold]form[/] [@click=app.quit]"
        dana.consent_date, dana.consent_source = date(2025, 1, 10), "CRM"
        s.commit()
    app = make_app(engine, bundle)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "line      consumer line; consent: [bold]form[/]" in text  # (the pane wraps)
        assert "[@click=app.quit] on 2025-01-10 (CRM)" in text
        assert "Dana Whitfield" in text  # still on screen: nothing was clicked or parsed
