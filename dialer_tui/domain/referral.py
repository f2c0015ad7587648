"""Who we were referred to (outcome 9), as the rep typed it: the referral form's plain data.

Here rather than in services/referral.py, which writes it: the form's screen loads before the
store's modules do (services/first_page.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Light on purpose: a typed address needs one @ with something on each side and no spaces;
# whether it is deliverable is the mail server's to say, not a form's.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


@dataclass(frozen=True)
class ReferralForm:
    name: str
    company: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


def email_problem(text: str) -> str:
    """Why a typed email cannot be stored ("" when it can, or when none was typed)."""
    text = text.strip()
    if not text or _EMAIL.fullmatch(text):
        return ""
    if any(c.isspace() for c in text):
        return f"{text!r} is not an email address: it has a space"
    return f"{text!r} is not an email address: it needs one @ with a name and a domain"
