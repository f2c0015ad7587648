"""Plain-words times (domain/when.py) and the slot they become (domain/agreed_time.py).

Every test passes a fixed `now` in the prospect's zone: nothing here depends on today."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.domain import phones
from dialer_tui.domain.agreed_time import SlotReader
from dialer_tui.domain.calling_hours import Target
from dialer_tui.domain.when import WhenError, parse_when, read_when
from dialer_tui.services.bundle import load_rules

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Wednesday 2 December 2026, 10:00 in New York.
WED_10 = datetime(2026, 12, 2, 10, 0, tzinfo=NY)
# Thursday 3 December 2026, 08:00 in New York.
THU_08 = datetime(2026, 12, 3, 8, 0, tzinfo=NY)


def at(text: str, now: datetime = WED_10, **kw) -> datetime:
    return parse_when(text, now, **kw)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


# --- what issue 17 found broken ---------------------------------------------------------------

def test_wed_next_week_is_wednesday_of_next_week_not_monday() -> None:
    assert at("wed next week") == ny(2026, 12, 9, 9, 0)
    assert at("wed next week 2pm") == ny(2026, 12, 9, 14, 0)
    assert at("next week wed") == ny(2026, 12, 9, 9, 0)
    assert at("fri next week", THU_08) == ny(2026, 12, 11, 9, 0)


def test_absolute_dates_and_bare_hours_that_were_rejected_are_read() -> None:
    assert at("jan 20 9am") == ny(2027, 1, 20, 9, 0)
    assert at("1/20") == ny(2027, 1, 20, 9, 0)
    assert at("at 3") == ny(2026, 12, 2, 15, 0)


def test_a_weekday_with_a_time_still_ahead_today_means_today() -> None:
    assert at("thu 9am", THU_08) == ny(2026, 12, 3, 9, 0)
    assert at("thursday 14:30", THU_08) == ny(2026, 12, 3, 14, 30)
    assert at("thu 7am", THU_08) == ny(2026, 12, 10, 7, 0)  # passed today: next week's
    assert at("thu 9am") == ny(2026, 12, 3, 9, 0)  # said on the Wednesday: tomorrow


def test_a_weekday_said_on_that_day_without_a_time_means_next_week_and_says_so() -> None:
    read = read_when("thu", THU_08)
    assert read.at == ny(2026, 12, 10, 9, 0)
    assert "is today" in read.notes[0] and "Thu 10 Dec" in read.notes[0]


# --- absolute dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("jan 20 9am", (2027, 1, 20, 9, 0)),
    ("January 20th at 3pm", (2027, 1, 20, 15, 0)),
    ("20 jan 14:30", (2027, 1, 20, 14, 30)),
    ("20th January 2027 9:30am", (2027, 1, 20, 9, 30)),
    ("dec 14", (2026, 12, 14, 9, 0)),
    ("2027-01-20 09:00", (2027, 1, 20, 9, 0)),
    ("2027-01-20T09:00", (2027, 1, 20, 9, 0)),
    ("2027-01-20", (2027, 1, 20, 9, 0)),
    ("1/20/2027 10am", (2027, 1, 20, 10, 0)),
    ("20.1. 14h30", (2027, 1, 20, 14, 30)),
])
def test_absolute_dates(text: str, expected: tuple[int, ...]) -> None:
    assert at(text) == ny(*expected)


def test_an_iso_instant_with_its_own_offset_is_moved_into_the_prospects_zone() -> None:
    assert at("2027-01-20T15:00+00:00") == ny(2027, 1, 20, 10, 0)


def test_numeric_dates_follow_the_region_and_say_which_way_they_were_read() -> None:
    us = read_when("2/3", WED_10, region="US")
    assert us.at == ny(2027, 2, 3, 9, 0)
    assert us.notes == ("'2/3' read as month/day (region US): 03 February 2027",)
    ca = read_when("2/3", WED_10, region="CA")
    assert ca.at == us.at
    gb = read_when("2/3", WED_10, region="GB")
    assert gb.at == ny(2027, 3, 2, 9, 0)
    assert gb.notes == ("'2/3' read as day/month (region GB): 02 March 2027",)
    # Only one reading is a date: taken, and the note says why.
    assert read_when("20/1", WED_10, region="US").notes == (
        "'20/1' read as day/month (20 is not a month): 20 January 2027",)
    assert read_when("1/20", WED_10, region="DE").at == ny(2027, 1, 20, 9, 0)


def test_a_date_already_past_this_year_is_next_years_and_says_so() -> None:
    read = read_when("mar 5", WED_10)
    assert read.at == ny(2027, 3, 5, 9, 0)
    assert read.notes == ("'mar 5' has passed this year: read as 05 Mar 2027",)


# --- relative forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("tomorrow 14:30", (2026, 12, 3, 14, 30)),
    ("tomorrow at 3", (2026, 12, 3, 15, 0)),
    ("tomorrow morning", (2026, 12, 3, 9, 0)),
    ("tomorrow in the afternoon", (2026, 12, 3, 14, 0)),
    ("day after tomorrow", (2026, 12, 4, 9, 0)),
    ("today 4pm", (2026, 12, 2, 16, 0)),
    ("tonight", (2026, 12, 2, 17, 30)),
    ("in 2 days", (2026, 12, 4, 9, 0)),
    ("in 2 days at 11", (2026, 12, 4, 11, 0)),
    ("in a week", (2026, 12, 9, 9, 0)),
    ("in a couple of days", (2026, 12, 4, 9, 0)),
    ("in 3 hours", (2026, 12, 2, 13, 0)),
    ("in 45 min", (2026, 12, 2, 10, 45)),
    ("next week", (2026, 12, 7, 9, 0)),
    ("fri 9.30", (2026, 12, 4, 9, 30)),
])
def test_relative_forms(text: str, expected: tuple[int, ...]) -> None:
    assert at(text) == ny(*expected)


def test_next_weekday_is_the_coming_one_and_points_to_the_other_reading() -> None:
    read = read_when("next fri", WED_10)
    assert read.at == ny(2026, 12, 4, 9, 0)
    assert "'fri next week'" in read.notes[0]
    assert at("next mon") == ny(2026, 12, 7, 9, 0)  # already next week: nothing to point out
    assert read_when("next mon", WED_10).notes == ()
    assert at("next wed") == ny(2026, 12, 9, 9, 0)  # never today


def test_hours_are_counted_in_elapsed_time_across_a_dst_change() -> None:
    # Saturday 31 Oct 2026 23:30 in New York; clocks go back at 02:00 on the Sunday.
    late = ny(2026, 10, 31, 23, 30)
    assert at("in 3 hours", late).astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    # ... and 01:30 in the repeated hour is inside no calling hours, and compared as an instant.
    slot = reader("+12125550123", NY).read("in 3 hours", late)
    assert slot.local == ny(2026, 11, 1, 8, 0) and "before they open" in slot.moved


# --- bare hours -------------------------------------------------------------------------------

def test_a_bare_hour_is_the_next_such_hour_inside_calling_hours_and_says_it() -> None:
    read = read_when("at 3", WED_10)
    assert read.at == ny(2026, 12, 2, 15, 0)
    assert read.notes == ("'3' read as 15:00: the next 3 o'clock in calling hours",)
    assert at("at 9") == ny(2026, 12, 3, 9, 0)  # 09:00 passed, 21:00 is late: tomorrow 09:00
    assert at("3:30") == ny(2026, 12, 2, 15, 30)
    assert at("at 3", ny(2026, 12, 2, 16, 0)) == ny(2026, 12, 3, 15, 0)
    assert at("09:00") == ny(2026, 12, 3, 9, 0)  # a 24-hour clock is not ambiguous
    assert at("3am") == ny(2026, 12, 3, 3, 0)  # nor is am/pm: said, so kept (and snapped)


def test_the_calling_hours_predicate_chooses_between_the_two_readings() -> None:
    evenings = read_when("at 8", WED_10, callable_at=lambda t: t.hour >= 19)
    assert evenings.at == ny(2026, 12, 2, 20, 0)
    never = read_when("at 8", WED_10, callable_at=lambda t: False)
    assert never.at == ny(2026, 12, 2, 20, 0)  # the next one, and says no reading fits
    assert "no reading of it is in calling hours" in never.notes[0]


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, said", [
    ("when pigs fly", "cannot read 'when'"),
    ("thu 9 bananas", "cannot read 'bananas'"),
    ("", "no time given"),
    ("tomorrow fri", "two days named"),
    ("2027-02-30", "is not a date"),
    ("31/2", "is not a date"),
    ("in 500 days", "too far away"),
    ("in 3 fortnights", "cannot read 'in 3 fortnights'"),
    ("2020-01-01 09:00", "has already passed"),
])
def test_unreadable_words_name_what_could_not_be_read_and_give_examples(text: str,
                                                                      said: str) -> None:
    with pytest.raises(WhenError) as err:
        at(text)
    assert said in str(err.value)
    assert "try 'thu 9am', 'jan 20 9am', '1/20 14:30'" in str(err.value)


def test_a_time_too_far_ahead_is_refused() -> None:
    with pytest.raises(WhenError, match="01 Jan 2029 is more than a year away"):
        at("2029-01-01")


def test_the_examples_follow_the_regions_date_order() -> None:
    with pytest.raises(WhenError, match="'20/1 14:30'"):
        parse_when("soonish", WED_10, region="GB")


# --- the slot stored: read, then moved into calling hours by calling_hours.next_slot ----------

def reader(e164: str, zone: ZoneInfo, region: str = "US", **kw) -> SlotReader:
    p = phones.parse_phone(e164)
    target = Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)
    return SlotReader(load_rules(), target, zone, region)


def test_a_slot_inside_calling_hours_is_stored_as_said() -> None:
    slot = reader("+12125550123", NY).read("tomorrow 14:30", WED_10)
    assert slot.wanted == slot.at == ny(2026, 12, 3, 14, 30) and slot.moved == ""


def test_a_slot_before_the_calling_hours_moves_to_the_opening_and_says_so() -> None:
    # Miami: Florida's 08:00 in its Central panhandle is 09:00 in Miami.
    slot = reader("+13055550101", NY, prospect_region="FL").read("thu 7:30am", WED_10)
    assert slot.wanted == ny(2026, 12, 3, 7, 30)
    assert slot.local == ny(2026, 12, 3, 9, 0)
    assert slot.moved == ("Thu 07:30 is outside the calling hours (before they open); "
                          "moved to Thu 03 Dec 09:00")


def test_a_slot_after_hours_or_on_a_closed_day_says_which() -> None:
    ny_reader = reader("+12125550123", NY)
    late = ny_reader.read("today 9:30pm", WED_10)
    assert late.local == ny(2026, 12, 3, 8, 0)
    assert "(after they close)" in late.moved
    ca = reader("+14165550123", ZoneInfo("America/Toronto"), region="CA")
    sunday = ca.read("sun 9am", WED_10)  # Canada: weekends 10:00-18:00
    assert "(before they open)" in sunday.moved
    assert sunday.local.hour == 10


def test_the_bare_hour_reading_uses_the_prospects_real_calling_hours() -> None:
    # London, Wednesday 17:00 (UK business hours 09:00-18:00 on weekdays): "at 5" is 17:00 on
    # the default 08:00-20:00 guess but 17:00 is past, 05:00 closed: tomorrow 17:00; "at 9"
    # is 09:00 tomorrow, never 21:00 today.
    london = reader("+442079460000", LONDON, region="GB")
    now = datetime(2026, 12, 2, 17, 0, tzinfo=LONDON)
    five = london.read("at 5", now)
    assert five.wanted == five.at == datetime(2026, 12, 3, 17, 0, tzinfo=LONDON)
    assert five.notes == ("'5' read as 17:00: the next 5 o'clock in calling hours",)
    assert london.read("at 9", now).local == datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)
    # Friday 17:45: the next 5:30 in their hours is Monday's, past the closed weekend ...
    friday = london.read("5:30", datetime(2026, 12, 4, 17, 45, tzinfo=LONDON))
    assert friday.wanted == friday.at == datetime(2026, 12, 7, 17, 30, tzinfo=LONDON)
    # ... while a time said with its pm is kept and moved, saying why.
    pm = london.read("5:30pm", datetime(2026, 12, 4, 17, 45, tzinfo=LONDON))
    assert pm.wanted == datetime(2026, 12, 5, 17, 30, tzinfo=LONDON)
    assert pm.local == datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    assert "(no calling hours on Saturday)" in pm.moved
