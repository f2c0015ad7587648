"""The queue's shortcuts give the answers of the slow path, on both backends: verdicts shared
between rows (attempt caps included), do-not-call read in SQL, adaptive pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, col, select

from dialer_tui.domain import calling_hours
from dialer_tui.services import queue
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.queue import _number_key, build_queue
from dialer_tui.services.targets import target_for
from dialer_tui.store.models import DncEntry, PhoneNumber, Prospect, Touch

from .conftest import add_prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 New York, 07:00 Los Angeles


@pytest.fixture
def engine(any_engine):
    return any_engine


def _calls(engine, pid, *times, channel="call"):
    with Session(engine) as s:
        phone = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == pid)).first()
        for at in times:
            s.add(Touch(prospect_id=pid, phone_id=phone.id, phone_e164=phone.e164,
                        channel=channel, outcome="no_answer", started_at=at))
        s.commit()


def _slow_verdict(s, bundle, item, at):
    """What calling_hours.judge says for the entry, from ORM objects and whole touches."""
    prospect = s.get(Prospect, item.prospect_id)
    phone = s.get(PhoneNumber, item.phone_id) if item.phone_id else None
    calls = s.exec(select(Touch).where(Touch.prospect_id == prospect.id,
                                       Touch.started_at >= at - timedelta(hours=24),
                                       col(Touch.channel).in_(("call", "voicemail")))
                   .order_by(col(Touch.started_at).desc())).all()
    return calling_hours.judge(bundle.rules, target_for(prospect, phone, (), None), at,
                               attempts_24h=len(calls),
                               oldest_attempt_24h=calls[-1].started_at if calls else None,
                               user_window=bundle.settings.window())


def test_shared_verdicts_respect_each_rows_attempt_cap(engine, bundle):
    # Four Floridians behind one area code share a plan; only the one called three times in
    # the last 24 h is capped. Emails do not count; calls older than 24 h do not either.
    ids = [add_prospect(engine, first=f"F{i}", region="FL", at=TUE,
                        numbers=[(f"305-555-01{i:02d}", "office")]) for i in range(4)]
    _calls(engine, ids[1], TUE - timedelta(hours=3), TUE - timedelta(hours=2),
           TUE - timedelta(hours=1))
    _calls(engine, ids[2], TUE - timedelta(hours=3), TUE - timedelta(hours=2))
    _calls(engine, ids[2], TUE - timedelta(hours=1), channel="email")
    _calls(engine, ids[3], TUE - timedelta(hours=30), TUE - timedelta(hours=2),
           TUE - timedelta(hours=1))
    with Session(engine) as s:
        items = build_queue(s, bundle, at=TUE)
        assert [i.prospect_id for i in items] == [ids[0], ids[2], ids[3]]
        for item in items:
            assert item.verdict == _slow_verdict(s, bundle, item, TUE)
            assert item.verdict.attempt_cap == 3
        assert not queue.explain(s, bundle, prospect_id=ids[1], at=TUE).callable
    with Session(engine) as s:  # the next morning, two of the three calls are 24 h old
        later = TUE + timedelta(hours=23)
        assert ids[1] in [i.prospect_id for i in build_queue(s, bundle, at=later)]


def test_verdicts_match_the_slow_path_across_places_and_hours(engine, bundle):
    places = [("212-555-0101", "NY", "US", ""), ("310-555-0102", "CA", "US", ""),
              ("305-555-0103", "FL", "US", ""), ("416-555-0104", "ON", "CA", ""),
              ("020 7946 0105", "", "GB", ""), ("030 901820", "", "DE", ""),
              ("212-555-0107", "", "US", "America/Los_Angeles"),
              ("212-555-0108", "CA", "US", ""), ("800-555-0109", "", "US", ""),
              # the same zone, region and country: only the area code brings Florida's cap
              ("305-555-0110", "", "US", ""), ("212-555-0111", "", "US", "")]
    for i, (number, region, country, zone) in enumerate(places):
        for j in range(2):  # two prospects per place: the second reuses the first's verdict
            add_prospect(engine, first=f"P{i}{j}", region=region, country=country,
                         time_zone=zone, at=TUE, numbers=[(number, "office")])
    for hours in (0, 3, 6, 9, -4):
        at = TUE + timedelta(hours=hours)
        with Session(engine) as s:
            items = build_queue(s, bundle, at=at)
            for item in items:
                assert item.verdict == _slow_verdict(s, bundle, item, at)
            queued = {i.prospect_id for i in items}
            for pid in s.exec(select(Prospect.id)):
                assert queue.explain(s, bundle, prospect_id=pid, at=at).callable == (
                    pid in queued)


def test_number_key_keeps_the_number_when_its_zones_say_too_little():
    same_area = _number_key("America/New_York", "+12125550101")
    assert same_area == _number_key("America/New_York", "+12125550199")
    assert same_area != _number_key("America/New_York", "+17185550101")  # area code laws
    assert _number_key("", "+12125550101") != _number_key("", "+12125550102")
    assert _number_key("Mars/Olympus", "+12125550101") != _number_key("Mars/Olympus",
                                                                       "+12125550102")


def test_listed_numbers_are_skipped_and_listed_people_left_out(engine, bundle):
    both = add_prospect(engine, first="Both", at=TUE, numbers=[("212-555-0101", "mobile"),
                                                              ("212-555-0102", "office")])
    person = add_prospect(engine, first="Person", at=TUE, numbers=[("212-555-0103", "office")])
    with Session(engine) as s:  # entries from an imported list: the numbers are not flagged
        s.add(DncEntry(e164="+12125550101", source="list", created_at=TUE))
        s.add(DncEntry(prospect_id=person, source="list", created_at=TUE))
        s.commit()
    with Session(engine) as s:
        items = build_queue(s, bundle, at=TUE)
    assert [(i.prospect_id, i.phone) for i in items] == [(both, "+12125550102")]


def test_a_callback_asked_of_another_rep_stays_theirs(engine, bundle):
    pid = add_prospect(engine, first="Cb", at=TUE, numbers=[("212-555-0101", "office")])
    with Session(engine, expire_on_commit=False) as s:
        log_outcome(s, bundle, prospect_id=pid, outcome="callback_requested",
                    at=TUE - timedelta(days=1), callback="in 1 hour", rep="ann")
    with Session(engine) as s:
        assert [i.reason for i in build_queue(s, bundle, at=TUE, rep="ann")] == ["callback"]
        assert build_queue(s, bundle, at=TUE, rep="bob") == []


def test_small_windows_are_the_head_of_the_big_one(engine, bundle, monkeypatch):
    # Every other prospect is in Los Angeles (07:00: not callable), so pages come back half
    # full and the queue reads more of them; a smaller window must still be the same head.
    monkeypatch.setattr(queue, "MIN_PAGE", 4)
    pages: list[int] = []
    size = queue._page_size
    monkeypatch.setattr(queue, "_page_size", lambda *a: pages.append(size(*a)) or pages[-1])
    for i in range(40):
        add_prospect(engine, first=f"N{i:02d}", at=TUE, priority=i % 3,
                     waited=timedelta(hours=1 + i),
                     numbers=[((f"310-555-01{i:02d}" if i % 2 else f"212-555-01{i:02d}"),
                               "office")])
    with Session(engine) as s:
        full = [i.prospect_id for i in build_queue(s, bundle, at=TUE)]
        assert len(full) == 20
        for limit in (1, 3, 10, 19, 20, 25):
            pages.clear()
            got = [i.prospect_id for i in build_queue(s, bundle, at=TUE, limit=limit)]
            assert got == full[:limit]
            if limit == 10:
                assert pages[0] == 15 and len(pages) >= 2  # limit * 1.5, then a second page
        capped = [i.prospect_id for i in build_queue(s, bundle, at=TUE, limit=5, max_scan=6)]
        assert 0 < len(capped) < 5 and capped == full[:len(capped)]  # 6 rows read, no more


def test_nothing_queued_or_claimed_is_what_why_calls_blocked_at_that_instant(engine, bundle):
    """The invariant behind the gate: at any instant, every call entry of the queue is one `why`
    (explain, the gate's answer) calls callable on the very number the queue offers, and `next`
    claims only such entries. People with several numbers across capped and uncapped states,
    addresses elsewhere than their numbers, recent calls on one number or another."""
    import random

    from dialer_tui.services.queue import claim_next, explain

    rng = random.Random(14)
    pool = ["+12125550100", "+13055550100", "+19045550100", "+14055550100", "+13015550100",
            "+17135550100", "+13125550100", "+14165550100", "+16042220000", "+33612345678",
            "+34612345678", "+447400123456"]
    places = [("", "US"), ("FL", "US"), ("NY", "US"), ("TX", "US"), ("ON", "CA"), ("", "CA"),
              ("", "FR"), ("", "GB"), ("", "")]
    start = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)  # a Monday, 00:00 in New York
    for i in range(60):
        region, country = rng.choice(places)
        numbers = rng.sample(pool, rng.choice([1, 1, 2, 3]))
        pid = add_prospect(engine, first=f"P{i}", region=region, country=country, at=start,
                           numbers=[(n, rng.choice(["mobile", "office", "direct"]))
                                    for n in numbers])
        if rng.random() < 0.4:  # some recent calls, on any of their numbers
            with Session(engine) as s:
                phones = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == pid)).all()
                for _ in range(rng.randint(1, 4)):
                    phone = rng.choice(phones)
                    s.add(Touch(prospect_id=pid, phone_id=phone.id, phone_e164=phone.e164,
                                channel="call", outcome="no_answer",
                                started_at=start + timedelta(hours=rng.uniform(0, 120))))
                s.commit()
    checked = 0
    for step in range(40):
        at = start + timedelta(hours=step * 4 + rng.uniform(0, 4))
        with Session(engine) as s:
            items = [i for i in build_queue(s, bundle, at=at, limit=200) if i.channel == "call"]
            for item in items:
                ex = explain(s, bundle, prospect_id=item.prospect_id, at=at, phone=item.phone)
                assert ex.callable, (at, item.name, item.phone, ex.reasons)
                checked += 1
        with Session(engine) as s:
            claimed = claim_next(s, bundle, rep=f"r{step}", at=at, lease_minutes=1)
        if claimed is not None and claimed.channel == "call":
            with Session(engine) as s:
                assert explain(s, bundle, prospect_id=claimed.prospect_id, at=at,
                               phone=claimed.phone).callable
    assert checked > 100  # the week's working hours put most of them in the queue


def test_an_empty_queue_says_who_opens_next_and_when(engine, bundle, make_prospect):
    from dialer_tui.services.queue import next_opening

    night = datetime(2027, 3, 3, 8, 0, tzinfo=timezone.utc)  # 03:00 in New York, Wednesday
    make_prospect(first="Ny", numbers=[("212-736-5000", "direct")], at=night)
    make_prospect(first="La", numbers=[("213-555-0142", "direct")], at=night, priority=9)
    with Session(engine) as s:
        assert build_queue(s, bundle, at=night, limit=5) == []
        item = next_opening(s, bundle, at=night)
        assert item is not None and item.name == "Ny Test"
        assert item.due_at == datetime(2027, 3, 3, 13, 0, tzinfo=timezone.utc)  # 08:00 NY
        [now_open] = build_queue(s, bundle, at=item.due_at, limit=5)  # what it said, it does
        assert now_open.prospect_id == item.prospect_id
