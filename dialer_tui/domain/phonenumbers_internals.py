"""The one place that uses phonenumbers' private API: a number's region and type in one walk.

Why: the bulk import (services/csv_headers.parse_phone_fast) needs a number's region, type and
validity. The public API answers with two walks over the country code's regions, each matching the
number against a region's patterns (region_code_for_number, then number_type, which walks again),
where one walk with the private `_number_type_helper` gives both. Measured on the bench's 100k-row
import (117,200 numbers; 2 cores): the public pair costs 0.43 s more (1.00 s against 0.57 s),
which is ~11% of a 100k-row import and takes the import from ~27,100 to ~24,300 rows/s, under
its 25,000 budget (docs/product-rules.md, *Figures*).

The walk itself (`_number_type_helper`'s) is done here too, over each region's patterns compiled
once: phonenumbers looks each pattern up again (through re.compile's cache) and makes four calls
for each type it tries, about ten types per number; this makes one fullmatch. Over the bench's
117,085 numbers region_and_type takes 0.26 s instead of 0.47 s, with the same answers (the test
compares them with the public API's on every example number phonenumbers ships).

Waits for: a public phonenumbers call that returns the region and the type together (or a
number_type that takes the region already found). libphonenumber keeps getNumberTypeHelper
private too, so none is announced; re-measure on each upgrade and drop this when the public pair
fits the budget. phonenumbers is pinned to a minor version (pyproject.toml), and
tests/unit/test_phonenumbers_internals.py fails on an upgrade that changes what this relies on.
"""

from __future__ import annotations

import re

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers import phonenumberutil as _pnu
from phonenumbers.re_util import re_compile as _re_compile

UNKNOWN = PhoneNumberType.UNKNOWN


def region_and_type(num: PhoneNumber) -> tuple[str | None, int]:
    """(phonenumbers.region_code_for_number(num), phonenumbers.number_type(num)) in one walk.

    The type is PhoneNumberType.UNKNOWN for a number that is not valid (is_valid_number is
    `type != UNKNOWN`); the region is None when no region of the country code matches."""
    cc, nsn = num.country_code, _pnu.national_significant_number(num)
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc, ())
    if len(regions) == 1:
        md = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0])
        return regions[0], UNKNOWN if md is None else _number_type(nsn, md)
    for candidate in regions:  # region_code_for_number's own walk over them
        md = PhoneMetadata.metadata_for_region(candidate, None)
        if md is None:
            continue
        if md.leading_digits is not None:
            if _re_compile(md.leading_digits).match(nsn):
                return candidate, _number_type(nsn, md)
        elif (found := _number_type(nsn, md)) != UNKNOWN:
            return candidate, found
    return None, UNKNOWN


# _number_type_helper's order: the general pattern, then these types, then fixed line / mobile.
_SPECIAL = (("premium_rate", PhoneNumberType.PREMIUM_RATE),
            ("toll_free", PhoneNumberType.TOLL_FREE), ("shared_cost", PhoneNumberType.SHARED_COST),
            ("voip", PhoneNumberType.VOIP), ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
            ("pager", PhoneNumberType.PAGER), ("uan", PhoneNumberType.UAN),
            ("voicemail", PhoneNumberType.VOICEMAIL))
_Desc = tuple[frozenset[int], re.Pattern] | None  # possible lengths (empty: any), pattern
_compiled: dict[tuple[str, int], tuple] = {}


def _desc(d) -> _Desc:
    """_is_number_matching_desc's test, ready: None where it always says no."""
    if d is None or not d.national_number_pattern:
        return None
    return frozenset(d.possible_length), re.compile(d.national_number_pattern)


def _matches(nsn: str, desc: _Desc) -> bool:
    return desc is not None and (not desc[0] or len(nsn) in desc[0]) and \
        desc[1].fullmatch(nsn) is not None


def _number_type(nsn: str, md: PhoneMetadata) -> int:
    """_pnu._number_type_helper(nsn, md), with md's patterns compiled once."""
    key = (md.id, md.country_code)
    if (c := _compiled.get(key)) is None:
        c = _compiled[key] = (_desc(md.general_desc),
                              tuple((_desc(getattr(md, name)), t) for name, t in _SPECIAL),
                              _desc(md.fixed_line), _desc(md.mobile),
                              md.same_mobile_and_fixed_line_pattern)
    general, special, fixed, mobile, same = c
    if not _matches(nsn, general):
        return UNKNOWN
    for desc, ntype in special:
        if _matches(nsn, desc):
            return ntype
    if _matches(nsn, fixed):
        if same or _matches(nsn, mobile):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not same and _matches(nsn, mobile):
        return PhoneNumberType.MOBILE
    return UNKNOWN
