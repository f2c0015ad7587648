"""Phone number normalisation: any written form -> E.164, extension, type, candidate time zones.

Uses phonenumbers' metadata and its time-zone mapper; never its geocoder (+100 MB resident).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone

# More candidate zones than this means "the number tells us nothing" (toll-free, some mobiles).
MAX_MEANINGFUL_ZONES = 6

_TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

# Common ways spreadsheets write an extension that phonenumbers does not read itself.
_EXT_RE = re.compile(r"\s*(?:ext\.?|extension|x|#|poste|durchwahl|dw\.?)\s*[:.]?\s*(\d{1,7})\s*$",
                     re.IGNORECASE)


@dataclass(frozen=True)
class ParsedPhone:
    e164: str
    extension: str
    valid: bool
    number_type: str  # one of _TYPE_NAMES' values
    region: str  # ISO country of the number ("US", "GB", ...)
    time_zones: tuple[str, ...]  # candidate IANA zones; () when unknown or too many

    @property
    def is_mobile(self) -> bool:
        return self.number_type == "mobile"


class NumberOnFile(Protocol):
    e164: str
    do_not_call: bool
    bad: bool
    valid: bool


DNC_STATE = "on the do-not-call list"


def number_state(phone: NumberOnFile, dnc: set[str] | frozenset[str]) -> str:
    """Whether a number on file may be dialled: "ok", or why not (`dnc`: listed numbers)."""
    return (DNC_STATE if phone.do_not_call or phone.e164 in dnc else
            "bad number" if phone.bad else "invalid" if not phone.valid else "ok")


class PhoneError(ValueError):
    """A string that is not a usable phone number; the message says why."""


def _split_extension(raw: str) -> tuple[str, str]:
    m = _EXT_RE.search(raw)
    if m and len(re.sub(r"\D", "", raw[: m.start()])) >= 6:
        return raw[: m.start()], m.group(1)
    return raw, ""


def parse_phone(raw: str, region: str | None = "US") -> ParsedPhone:
    """Parse `raw` (any common format) with `region` as the default country.

    Raises PhoneError with a reason for what cannot be a phone number at all; returns a result
    with valid=False for numbers that parse but are not assigned numbers."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty phone number")
    if len(text) > 64:
        raise PhoneError("too long to be a phone number")
    body, ext = _split_extension(text)
    if body.startswith("00") and not body.startswith("000"):
        body = "+" + body[2:]
    try:
        num = phonenumbers.parse(body, (region or "US").upper())
    except NumberParseException as exc:
        raise PhoneError(_parse_reason(exc)) from None
    if num.extension and not ext:
        ext = num.extension
    valid = phonenumbers.is_valid_number(num)
    if not valid and not phonenumbers.is_possible_number(num):
        where = phonenumbers.region_code_for_number(num) or region
        raise PhoneError(f"not a possible number for {where}")
    e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    ntype = _TYPE_NAMES.get(phonenumbers.number_type(num), "unknown") if valid else "unknown"
    return ParsedPhone(
        e164=e164,
        extension=ext,
        valid=valid,
        number_type=ntype,
        region=phonenumbers.region_code_for_number(num) or "",
        time_zones=zones_for(e164) if valid else (),
    )


def _parse_reason(exc: NumberParseException) -> str:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        NumberParseException.NOT_A_NUMBER: "not a phone number",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, "not a phone number")


@lru_cache(maxsize=65536)
def zones_for(e164: str) -> tuple[str, ...]:
    """Candidate zones of a number; () when phonenumbers does not know or gives too many."""
    try:
        num = phonenumbers.parse(e164, None)
    except NumberParseException:
        return ()
    zones = tuple(z for z in pn_timezone.time_zones_for_number(num) if z != "Etc/Unknown")
    if len(zones) > MAX_MEANINGFUL_ZONES:
        return ()
    return tuple(sorted(zones))


def normalise_query(text: str, region: str = "US") -> str | None:
    """The E.164 form of a search string that looks like a phone number, else None."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 6:
        return None
    try:
        return parse_phone(text, region).e164
    except PhoneError:
        return None


def display(e164: str, extension: str = "") -> str:
    """International format for the screen: +1 305-555-0101 ext. 114."""
    try:
        text = phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          PhoneNumberFormat.INTERNATIONAL)
    except NumberParseException:
        text = e164
    return f"{text} ext. {extension}" if extension else text


def area_code(e164: str) -> str:
    """The NANP area code of a +1 number, else ''."""
    return e164[2:5] if e164.startswith("+1") and len(e164) == 12 else ""


def typing_region(country: str, on_file: Iterable[str], default: str) -> str:
    """The country a number typed for a person is read in: "020 7946 0123" added to a London
    prospect is +44 20 7946 0123, not a US number. Their country; else the country most of
    their numbers on file (E.164) are in, as a list without a country column still says where
    they are; else `default` (the settings' region). A number typed with its + wins anyway."""
    if country.strip():
        return country.strip().upper()
    found = Counter(r for e164 in on_file if (r := region_of(e164)))
    return found.most_common(1)[0][0] if found else default


@lru_cache(maxsize=4096)
def calling_code_country(e164: str) -> str:
    """The main country of a number's calling code (+44 -> "GB", even for a Guernsey or Jersey
    mobile; +1 -> "US"), '' when unknown: whose principal zone a shared range is shown in."""
    try:
        code = phonenumbers.parse(e164, None).country_code
    except NumberParseException:
        return ""
    region = phonenumbers.region_code_for_country_code(code)
    return "" if region == phonenumbers.UNKNOWN_REGION else region


@lru_cache(maxsize=65536)
def region_of(e164: str) -> str:
    """ISO country of an E.164 number ("US", "CA", "GB"...), '' when unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or ""
    except NumberParseException:
        return ""
