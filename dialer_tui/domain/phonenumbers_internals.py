"""The one place that uses phonenumbers' private API: a number's region and type in one walk.

Why: the bulk import (services/csv_headers.parse_phone_fast) needs a number's region, type and
validity. The public API answers with two walks over the country code's regions, each matching the
number against a region's patterns (region_code_for_number, then number_type, which walks again),
where one walk with the private `_number_type_helper` gives both. Measured on the bench's 100k-row
import (117,200 numbers; 2 cores): the public pair costs 0.43 s more (1.00 s against 0.57 s),
which is ~11% of a 100k-row import and takes the import from ~27,100 to ~24,300 rows/s, under
its 25,000 budget (docs/product-rules.md, *Figures*).

Waits for: a public phonenumbers call that returns the region and the type together (or a
number_type that takes the region already found). libphonenumber keeps getNumberTypeHelper
private too, so none is announced; re-measure on each upgrade and drop this when the public pair
fits the budget. phonenumbers is pinned to a minor version (pyproject.toml), and
tests/unit/test_phonenumbers_internals.py fails on an upgrade that changes what this relies on.
"""

from __future__ import annotations

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
        return regions[0], UNKNOWN if md is None else _pnu._number_type_helper(nsn, md)
    for candidate in regions:  # region_code_for_number's own walk over them
        md = PhoneMetadata.metadata_for_region(candidate, None)
        if md is None:
            continue
        if md.leading_digits is not None:
            if _re_compile(md.leading_digits).match(nsn):
                return candidate, _pnu._number_type_helper(nsn, md)
        elif (found := _pnu._number_type_helper(nsn, md)) != UNKNOWN:
            return candidate, found
    return None, UNKNOWN
