"""The phonenumbers private-API adapter (domain/phonenumbers_internals.py) answers exactly as the
public API does, for every example number phonenumbers ships: a phonenumbers upgrade that renames
or changes `_number_type_helper`, or the region walk it mirrors, fails here, not in an import.

The adapter waits for a public call that gives a number's region and type in one walk; until then
phonenumbers stays pinned to a minor version in pyproject.toml (checked below too)."""

from __future__ import annotations

import re
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberType

from dialer_tui.domain.phonenumbers_internals import UNKNOWN, region_and_type

TYPES = [v for k, v in vars(PhoneNumberType).items() if k.isupper()]


def _examples() -> list[phonenumbers.PhoneNumber]:
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for ntype in TYPES:
            if (num := phonenumbers.example_number_for_type(region, ntype)) is not None:
                out.append(num)
        if (bad := phonenumbers.invalid_example_number(region)) is not None:
            out.append(bad)
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        if (num := phonenumbers.example_number_for_non_geo_entity(cc)) is not None:
            out.append(num)
    # Numbers that share a country code with other regions (the walk), and one nobody has.
    for text in ("+1 416 555 0199", "+1 284 496 1234", "+1 809 555 0100", "+44 1481 256789",
                 "+7 727 123 4567", "+1 555 0100"):
        out.append(phonenumbers.parse(text, None))
    out.append(phonenumbers.PhoneNumber(country_code=999, national_number=12345678))
    return out


def test_region_and_type_agree_with_the_public_api_on_every_example_number():
    examples = _examples()
    assert len(examples) > 1000  # every region, every type it has an example of
    for num in examples:
        region, ntype = region_and_type(num)
        assert (region, ntype) == (phonenumbers.region_code_for_number(num),
                                   phonenumbers.number_type(num)), num
        assert (ntype != UNKNOWN) == phonenumbers.is_valid_number(num), num


def test_phonenumbers_is_pinned_to_the_installed_minor_version():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    pin = re.search(r'"phonenumbers>=(\d+)\.(\d+),<(\d+)\.(\d+)"', pyproject)
    assert pin, "pyproject.toml must pin phonenumbers to one minor version"
    major, minor = (int(x) for x in phonenumbers.__version__.split(".")[:2])
    assert [int(g) for g in pin.groups()] == [major, minor, major, minor + 1]
