"""The import's North American fast path (csv_headers._NANP) reads a number exactly as
phonenumbers.parse does, for every text it takes: the same PhoneNumber (country code, national
number, extension, leading zeros), so the E.164 form, validity, type and zones that follow are
the same too. Texts it does not take go to parse as before."""

from __future__ import annotations

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dialer_tui.services.csv_headers import _NANP, _nanp_number, parse_phone_fast

REGIONS = ["US", "CA", "GB", "DE", "FR", "PR", "AG", "MX", "JM", "us"]
SEP = st.sampled_from(["", " ", "-", ".", "  ", "- "])
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def written(draw) -> str:
    """A number as spreadsheets write it, including near misses of the pattern."""
    prefix = draw(st.sampled_from(["", "+1", "1", "+", "01", "+11", "001", "+44"]))
    area = "".join(draw(DIGITS) for _ in range(draw(st.sampled_from([3, 3, 3, 2, 4]))))
    if draw(st.booleans()):
        opening = draw(st.sampled_from(["(", "", "(("]))
        closing = draw(st.sampled_from([")", "", "))"]))
        area = opening + area + closing
    exchange = "".join(draw(DIGITS) for _ in range(3))
    line = "".join(draw(DIGITS) for _ in range(draw(st.sampled_from([4, 4, 4, 3, 5]))))
    return prefix + draw(SEP) + area + draw(SEP) + exchange + draw(SEP) + line


def _check(text: str, region: str) -> None:
    m = _NANP.fullmatch(text)
    fast = _nanp_number(m, region) if m else None
    if fast is None:
        return  # parse reads it, as before
    assert fast == phonenumbers.parse(text, region.upper()), (text, region)


@settings(max_examples=3000, deadline=None)
@given(written(), st.sampled_from(REGIONS))
@example("(212) 465-4552", "US")
@example("1-212-465-4552", "CA")
@example("+1 416 555 0199", "GB")
@example("12124654552", "DE")
@example("(212 465-4552", "US")
@example("212)465-4552", "US")
def test_fast_path_reads_as_phonenumbers_parse(text: str, region: str) -> None:
    _check(text, region)


def test_fast_path_takes_the_usual_forms_and_leaves_the_rest() -> None:
    taken = ["(212) 465-4552", "212.465.4552", "212-465-4552", "+1 212 465 4552", "12124654552",
             "1 (713) 303-4741", "+1-604-555-0101"]
    for text in taken:
        m = _NANP.fullmatch(text)
        assert m and _nanp_number(m, "US") is not None, text
        _check(text, "US")
    # Not North American in that region, or not the usual form: phonenumbers decides.
    assert _nanp_number(_NANP.fullmatch("212 465 4552"), "GB") is None
    for text in ("020 7747 7527", "+44 20 7747 7527", "212 465 4552 x12", "1-800-FLOWERS",
                 "(012) 465-4552"):
        assert _NANP.fullmatch(text) is None, text


def test_whole_answers_match_the_slow_path_on_both_sides_of_the_pattern(monkeypatch) -> None:
    """parse_phone_fast with and without the fast path: the same tuple or the same reason."""
    import re

    import dialer_tui.services.csv_headers as ch

    texts = ["(212) 465-4552", "212.465.4552 x105", "+1 416 555 0199", "1 212 555 0100",
             "(212) 111-4552", "+1 800 555 0100", "(907) 222-3456", "208-555-0100"]
    for region in ("US", "CA", "GB"):
        fast = [parse_phone_fast(t, region) for t in texts]
        with monkeypatch.context() as m:
            m.setattr(ch, "_NANP", re.compile(r"(?!x)x"))  # matches nothing: parse reads all
            slow = [parse_phone_fast(t, region) for t in texts]
        assert fast == slow, region
