"""Outcome 9, "referred to someone else": the new prospect, linked to who referred us."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from dialer_tui.domain.phones import PhoneError, parse_phone, typing_region
from dialer_tui.domain.referral import ReferralForm, email_problem
from dialer_tui.services.csv_headers import name_key, split_name
from dialer_tui.store import repo
from dialer_tui.store.models import PhoneNumber, Prospect, Touch


def create_referral(session: Session, *, referrer_id: int, form: ReferralForm, region: str,
                    at: datetime, touch_id: int | None = None) -> Prospect:
    """Create the referred prospect (and its number) in one commit.

    `touch_id`: the "referred" outcome's touch; undoing it (calling.undo_touch) then removes the
    referred prospect too, unless it has been worked since. Raises ValueError for a missing name
    or an email that is not one, and PhoneError for a number that cannot be used; nothing is
    written in any of these cases."""
    referrer = session.get(Prospect, referrer_id)
    if referrer is None:
        raise LookupError(f"no prospect with id {referrer_id}")
    if not form.name.strip():
        raise ValueError("the referred person needs a name")
    if problem := email_problem(form.email):
        raise ValueError(problem)
    email = form.email.strip()
    parsed = None
    if form.phone.strip():
        # The referred person's number is read in the referrer's country (a colleague's number
        # said as "020 7946 0123" in London), as the referrer's own numbers are.
        on_file = session.exec(select(PhoneNumber.e164)
                               .where(PhoneNumber.prospect_id == referrer_id))
        parsed = parse_phone(form.phone, typing_region(referrer.country, on_file, region))
        if not parsed.valid:
            raise PhoneError(f"{parsed.e164} is not an assigned number")
    # Split as an import splits it (honorifics, "Family, Given", family-name-first countries).
    first, last = split_name(form.name, referrer.country or region)
    company = form.company.strip() or referrer.company
    new = Prospect(first_name=first, last_name=last, title=form.title.strip(), company=company,
                   industry=referrer.industry if company == referrer.company else "",
                   city=referrer.city if company == referrer.company else "",
                   region=referrer.region if company == referrer.company else "",
                   country=referrer.country, referrer_prospect_id=referrer_id,
                   email=email, email_key=email.lower(),  # as the importer keys it (lookup)
                   referrer_name=referrer.name, referrer_company=referrer.company,
                   source="referral", owner=referrer.owner, priority=referrer.priority + 1,
                   name_key=name_key(first, last, company), created_at=at, updated_at=at,
                   queue_due_at=at)
    session.add(new)
    session.flush()
    if parsed is not None:
        session.add(PhoneNumber(prospect_id=new.id, e164=parsed.e164,  # type: ignore[arg-type]
                                extension=parsed.extension, raw=form.phone,
                                kind="mobile" if parsed.is_mobile else "direct", valid=True,
                                number_type=parsed.number_type,
                                time_zones=" ".join(parsed.time_zones), created_at=at))
    repo.refresh_queue_state(session, prospect=new)
    touch = session.get(Touch, touch_id) if touch_id is not None else None
    if touch is not None and touch.undo_state:
        undo = json.loads(touch.undo_state)
        undo.setdefault("referral_ids", []).append(new.id)
        touch.undo_state = json.dumps(undo)
        session.add(touch)
    session.commit()
    return new
