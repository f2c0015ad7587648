"""Who we were referred to (outcome 9), as the rep typed it: the referral form's plain data.

Here rather than in services/referral.py, which writes it: the form's screen loads before the
store's modules do (services/first_page.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferralForm:
    name: str
    company: str = ""
    title: str = ""
    phone: str = ""
