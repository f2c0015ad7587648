"""compute_stats against a plain-Python reference on a generated store (no mocks).

The per-touch figures are counted in SQL over grouped rows, and the local hour/weekday from
quarter-hour buckets per zone (services/stats.py); the reference here takes every touch one by
one and converts each dial's instant with zoneinfo. The store mixes what the grouping could get
wrong: prospect zones that override the number's, +05:30 / +05:45 zones, an invalid zone name,
a number whose first candidate zone is empty, dials with no number, a number that belongs to
another prospect (after a merge: the number's prospect gives the zone), both DST changes of
2026, an unknown channel, and instants on and off the quarter hours."""

from __future__ import annotations

import calendar
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from dialer_tui.services.stats import compute_stats
from dialer_tui.store.models import PhoneNumber, Prospect, Touch

UTC = timezone.utc
START = datetime(2026, 10, 10, tzinfo=UTC)  # EU summer time ends 25 Oct, the US's 1 Nov
DAYS = 40
OWN_ZONES = ["", "", "", "America/Chicago", "Asia/Kolkata", "Asia/Kathmandu", "Mars/Olympus"]
NUMBER_ZONES = ["America/New_York", "America/Los_Angeles America/Denver", "Europe/Berlin",
                "Australia/Adelaide", "", " America/Denver", "Bogus/Zone"]
# (channel, outcome, counts_attempt, connected)
KINDS = [("call", "no_answer", True, False), ("call", "gatekeeper", True, False),
         ("call", "callback_requested", True, True), ("call", "meeting_booked", True, True),
         ("call", "not_interested", True, True), ("call", "do_not_call", True, True),
         ("call", "wrong_number", False, False), ("voicemail", "left_voicemail", True, False),
         ("email", "email_sent", True, False), ("linkedin", "linkedin", True, False),
         ("visit", "", True, True), ("fax", "", True, False)]
MEETINGS, DNC = {"meeting_booked"}, {"do_not_call"}


def _zone(name: str):
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None


def _generate(engine, seed: int = 7) -> None:
    rng = random.Random(seed)
    with Session(engine) as s:
        prospects = [Prospect(first_name=f"P{i}", time_zone=rng.choice(OWN_ZONES),
                              created_at=START) for i in range(60)]
        s.add_all(prospects)
        s.flush()
        phones = [PhoneNumber(prospect_id=p.id, e164=f"+1312555{i:04d}",
                              time_zones=rng.choice(NUMBER_ZONES))
                  for i, p in enumerate(prospects * 2)]
        s.add_all(phones)
        s.flush()
        touches = []
        for _ in range(3000):
            channel, outcome, attempt, connected = rng.choice(KINDS)
            p = rng.choice(prospects)
            mine = [ph for ph in phones if ph.prospect_id == p.id]
            phone = None
            if channel in ("call", "voicemail") and rng.random() < 0.9:
                # now and then a number of another prospect's (a merge moved the touch)
                phone = rng.choice(phones) if rng.random() < 0.05 else rng.choice(mine)
            at = START + timedelta(days=rng.uniform(0, DAYS))
            if rng.random() < 0.2:  # exactly on a quarter hour
                at = at.replace(minute=15 * rng.randrange(4), second=0, microsecond=0)
            touches.append(Touch(
                prospect_id=p.id, phone_id=phone.id if phone else None, channel=channel,
                outcome=outcome, started_at=at, counts_attempt=attempt, connected=connected,
                rep=rng.choice(["alex", "sam"]),
                template_id=rng.choice(["vm_a", "vm_b", ""]) if channel == "voicemail" else "",
                objection_id=rng.choice(["too_busy", "send_info", ""]) if connected else ""))
        s.add_all(touches)
        s.commit()


def _reference(engine, since, until, day_zone) -> dict:
    with Session(engine) as s:
        zone_of = {p.id: p.time_zone for p in s.exec(select(Prospect))}
        phones = {ph.id: ph for ph in s.exec(select(PhoneNumber))}
        touches = [t for t in s.exec(select(Touch))
                   if (since is None or t.started_at >= since)
                   and (until is None or t.started_at < until)]
    out: dict = {"dials": 0, "connects": 0, "conversations": 0, "meetings": 0, "voicemails": 0}
    others: Counter = Counter(dict.fromkeys(("email", "linkedin", "letter", "visit", "text"), 0))
    hours, weekdays = [[0, 0] for _ in range(24)], [[0, 0] for _ in range(7)]
    left, shown = Counter(), Counter()
    days: dict = defaultdict(list)
    for t in touches:
        dial = t.channel in ("call", "voicemail") and t.counts_attempt
        out["dials"] += dial
        out["voicemails"] += t.channel == "voicemail"
        out["connects"] += t.connected
        out["conversations"] += t.connected and t.outcome not in DNC
        out["meetings"] += t.outcome in MEETINGS
        if t.channel not in ("call", "voicemail"):
            others[t.channel] += 1
        if t.channel == "voicemail" and t.template_id:
            left[t.template_id] += 1
        if t.objection_id:
            shown[t.objection_id] += 1
        if not dial:
            continue
        phone = phones.get(t.phone_id)
        own = zone_of[phone.prospect_id if phone else t.prospect_id]
        first = phone.time_zones.split(" ", 1)[0] if phone else ""
        local = t.started_at.astimezone(_zone(own) or _zone(first) or UTC)
        for slot in (hours[local.hour], weekdays[local.weekday()]):
            slot[0] += 1
            slot[1] += t.connected
        days[(t.rep, t.started_at.astimezone(day_zone).date())].append(t.started_at)
    span = sum(max(max(v) - min(v), timedelta(minutes=5)).total_seconds()
               for v in days.values()) / 3600
    out["dials_per_hour"] = round(out["dials"] / span, 1) if span else 0.0
    out["other_channels"] = dict(others)
    rate = lambda c, d: round(c / d, 4) if d else 0.0  # noqa: E731
    out["by_local_hour"] = [{"hour": h, "dials": d, "connects": c, "rate": rate(c, d)}
                            for h, (d, c) in enumerate(hours)]
    out["by_weekday"] = [{"weekday": calendar.day_name[w], "dials": d, "connects": c,
                          "rate": rate(c, d)} for w, (d, c) in enumerate(weekdays)]
    out["left"], out["shown"] = dict(left), dict(shown)
    return out


@pytest.mark.parametrize("window", [(None, None), (START + timedelta(days=12), None),
                                    (START + timedelta(days=12), START + timedelta(days=25))])
def test_figures_match_a_touch_by_touch_reference(any_engine, bundle, window):
    _generate(any_engine)
    since, until = window
    day_zone = ZoneInfo("America/New_York")
    with Session(any_engine) as s:
        got = compute_stats(s, since=since, until=until, day_zone=day_zone,
                            now=START + timedelta(days=DAYS), dispositions=bundle.dispositions)
    want = _reference(any_engine, since, until, day_zone)
    assert want["dials"] > 500 and want["other_channels"]["fax"] > 0  # the store has it all
    for key in ("dials", "connects", "conversations", "meetings", "voicemails", "other_channels",
                "dials_per_hour", "by_local_hour", "by_weekday"):
        assert got[key] == want[key], key
    assert {r["template"]: r["left"] for r in got["by_template"]} == want["left"]
    assert {r["objection"]: r["shown"] for r in got["by_objection"]} == want["shown"]
