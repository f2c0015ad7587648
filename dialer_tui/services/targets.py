"""From store rows to the domain's plain inputs: which number to dial, which zone is theirs.

target_for() and pick_number() take a PhoneNumber or a plain tuple with the same attribute names
(repo.DialableNumber: the queue reads a few columns, loading ORM objects is ~10x dearer)."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Protocol, TypeVar
from zoneinfo import ZoneInfo

from dialer_tui.config import Settings
from dialer_tui.domain.calling_hours import CallingRules, Target, candidate_zones
from dialer_tui.domain.phones import area_code, region_of
from dialer_tui.store.models import PhoneNumber, Prospect
from dialer_tui.store.repo import KIND_ORDER


class NumberLike(Protocol):
    """What target_for() and pick_number() read of a number: a PhoneNumber, or a
    repo.DialableNumber (the queue's plain tuples)."""

    @property
    def id(self) -> int | None: ...
    @property
    def e164(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def time_zones(self) -> str: ...


N = TypeVar("N", bound=NumberLike)


def person_area_codes(numbers: Iterable[NumberLike], phone: NumberLike | None
                      ) -> tuple[str, ...]:
    """The NANP area codes of the person's other dialable numbers (sorted, unique): a state law
    one of them presumes (Florida's cap) protects the person whichever number is dialled."""
    own = area_code(phone.e164) if phone is not None else ""
    return tuple(sorted({code for n in numbers if (code := area_code(n.e164)) and code != own}))


LINES = ("business", "consumer")


def line_of(prospect: Prospect | Any, settings: Settings | None = None) -> str:
    """Whom the prospect's line reaches: as recorded, else the setting default_line."""
    line = (getattr(prospect, "line", "") or "").strip().lower()
    return line if line in LINES else (settings.default_line if settings else "business")


def consent_on(prospect: Prospect | Any) -> date | None:
    """The day of the person's recorded consent: a basis and a date, else None."""
    basis, day = getattr(prospect, "consent_basis", ""), getattr(prospect, "consent_date", None)
    return day if (basis or "").strip() and isinstance(day, date) else None


def line_and_consent(prospect: Prospect | Any, settings: Settings | None = None) -> str:
    """One line for `why` and the dossier: whom the line reaches and the consent on record
    (plain text: the caller renders it literally)."""
    recorded = (getattr(prospect, "line", "") or "").strip().lower() in LINES
    line = f"{line_of(prospect, settings)} line{'' if recorded else ' (default_line)'}"
    day = consent_on(prospect)
    if day is None:
        basis = (getattr(prospect, "consent_basis", "") or "").strip()
        return f"{line}; consent: {'none recorded' if not basis else basis + ' (no date)'}"
    source = (getattr(prospect, "consent_source", "") or "").strip()
    return (f"{line}; consent: {prospect.consent_basis.strip()} on {day}"
            f"{f' ({source})' if source else ''}")


def target_for(prospect: Prospect | Any, phone: NumberLike | None,
               others: Iterable[NumberLike], settings: Settings | None) -> Target:
    """What calling_hours judges for dialling `phone` of `prospect`; `others` are the person's
    dialable numbers (every path passes the same set: the queue, the gate, callbacks).
    `settings` give the line's default and whether consumer rules judge business lines (none:
    a business line judged under every rule, the defaults)."""
    codes = person_area_codes(others, phone)
    who = {"line": line_of(prospect, settings), "consent_on": consent_on(prospect),
           "consumer_rules": settings.apply_consumer_rules_to_business if settings else True}
    if phone is None:
        return Target(e164="", prospect_zone=prospect.time_zone, prospect_region=prospect.region,
                      prospect_country=prospect.country, person_area_codes=codes, **who)
    return Target(
        e164=phone.e164,
        phone_zones=tuple(phone.time_zones.split()),
        phone_region=region_of(phone.e164),
        prospect_zone=prospect.time_zone,
        prospect_region=prospect.region,
        prospect_country=prospect.country,
        person_area_codes=codes,
        **who,
    )


def zone_of(rules: CallingRules, prospect: Prospect, phone: NumberLike | None) -> ZoneInfo:
    """The prospect's own zone for labels and plain-words times ("Thursday morning")."""
    if prospect.time_zone:
        try:
            return ZoneInfo(prospect.time_zone)
        except (KeyError, ValueError):
            pass
    zones = candidate_zones(rules, target_for(prospect, phone, (), None))  # zones only
    return ZoneInfo(zones[0]) if zones else ZoneInfo("UTC")


def dialable(phones: list[PhoneNumber], dnc: set[str]) -> list[PhoneNumber]:
    return [p for p in phones if p.valid and not p.bad and not p.do_not_call and p.e164 not in dnc]


def pick_number(phones: list[N], use_counts: dict[int, int]) -> N | None:
    """Rotate numbers: the least-tried first, mobile first among equals (seed 000: business
    owners don't take their desk phone seriously; seed 004: try different numbers)."""
    if len(phones) < 2:
        return phones[0] if phones else None
    return min(phones, key=lambda p: (use_counts.get(p.id or 0, 0), KIND_ORDER.get(p.kind, 9),
                                      p.id or 0))
