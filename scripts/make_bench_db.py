#!/usr/bin/env python3
"""Generate the benchmark database of docs/product-rules.md (*Figures*), reproducibly (same scale
and seed, same rows).

At --scale 1.0: 100,000 prospects, 250,000 valid phone numbers (US, Canada, UK, Germany, France,
drawn from real area codes with random line numbers and kept only when valid), 1,000,000 touches
and 50,000 open follow-ups, plus a few thousand do-not-call entries. One prospect (`SPECIAL_*`)
has exactly 500 touches: the lookup budget's dossier. Every count is multiplied by --scale.
A team works the list: callbacks are asked of alex, sam or jo (CALLBACK_OWNERS), 0.5% of the
prospects with a follow-up are leased by another rep (live at AT) and 1% carry an expired lease.

The denormalised queue fields of each prospect (queue_rank, queue_due_at, attempts,
first_touch_at, last_attempt_at, cadence_step) are set the way `store.repo.refresh_queue_state`
would set them from its touches and open follow-ups, so the queue query sees a consistent store.
All times lie around the fixed instant AT (a Tuesday, 15:00 UTC) that bench.py measures at.

Rows are written with SQLAlchemy Core executemany in big transactions (not the ORM), the
secondary indexes built once at the end: scale 1.0 takes about a minute. Numbers are checked with the importer's fast parser (the same answers as
`domain.phones.parse_phone` at a third of the cost), and a sample is cross-checked against
parse_phone itself; without a fast parser, parse_phone checks every number (slower).

    python scripts/make_bench_db.py OUT.db [--scale 1.0] [--seed 42]

bench.py calls `build(path, scale=, seed=)` and caches the file by (scale, seed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

UTC = timezone.utc
# Tuesday 1 December 2026, 15:00 UTC: 10:00 New York, 07:00 Los Angeles, 15:00 London,
# 16:00 Berlin and Paris. bench.py measures the queue at this instant.
AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
GEN_VERSION = 2  # bump when the generated data changes shape: the cache key includes it

BASE_PROSPECTS, BASE_NUMBERS, BASE_TOUCHES, BASE_FOLLOW_UPS = 100_000, 250_000, 1_000_000, 50_000
SPECIAL_TOUCHES = 500
SPECIAL_FIRST, SPECIAL_LAST, SPECIAL_COMPANY = "Magdalena", "Longhistory", "Marathon Holdings"
CHUNK = 2_000  # prospects per transaction (with their numbers, touches and follow-ups)
# A team: callbacks are asked of one of these reps (bench.py measures as REP, who owns some of
# them, and as NEW_REP, who owns none); other reps hold live leases on a share of the prospects
# with a follow-up (LEASED) and left expired ones on others (EXPIRED).
CALLBACK_OWNERS = ["alex", "alex", "sam", "jo"]
REP, NEW_REP = "alex", "newbie"
LEASED, EXPIRED = 0.005, 0.01
LEASE_LIVE_UNTIL = timedelta(minutes=10)  # after AT (bench_pg moves live leases to now())

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
         "Sarah", "Carlos", "Mei", "Priya", "Ahmed", "Olivia", "Noah", "Emma", "Lukas", "Sophie",
         "Jean", "Camille", "Oliver", "Amelia", "Hannah", "Felix", "Chloé", "José", "Zoë",
         "Aiden", "Fatima", "Kenji", "Ingrid", "Mateo", "Aisha", "Pierre", "Greta", "Raj"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez",
        "Wilson", "Anderson", "Taylor", "Moore", "Martin", "Lee", "Walker", "Hall", "Young",
        "Müller", "Schmidt", "Schneider", "Dubois", "Laurent", "Moreau", "Evans", "Patel",
        "Nguyen", "Kim", "O'Brien", "MacLeod", "Fischer", "Weber", "Bernard", "Roux", "Okafor",
        "Kowalski", "Rossi", "Santos", "Haddad", "Johansson", "Novak", "Tanaka", "Cohen"]
COMPANY = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli",
           "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp",
           "Harbor", "Lakeview", "Bayside", "Summit", "Pioneer", "Keystone", "Redwood"]
SUFFIX = ["Inc", "LLC", "Ltd", "GmbH", "SA", "Group", "Logistics", "Health", "Systems",
          "Steel Works", "Dental", "HVAC", "Foods", "Partners"]
TITLE = ["VP Operations", "Plant Manager", "CFO", "Head of IT", "Procurement Lead",
         "Director of Sales", "COO", "Facilities Manager", "Controller", "CTO", "Owner"]
INDUSTRY = ["manufacturing", "healthcare", "software", "logistics", "finance", "retail",
            "construction", "professional services"]
NOTES = ["asked to call after lunch", "gatekeeper: ask for the plant office",
         "budget review in Q1", "prefers email first", "press 2 for sales, ext 114",
         "was in a meeting", "new in the role", "uses a competitor, contract ends in spring"]

# (area code, city, state/province) from real numbering plans; several span two zones.
US_AREAS = [("212", "New York", "NY"), ("718", "Brooklyn", "NY"), ("305", "Miami", "FL"),
            ("407", "Orlando", "FL"), ("312", "Chicago", "IL"), ("214", "Dallas", "TX"),
            ("713", "Houston", "TX"), ("512", "Austin", "TX"), ("303", "Denver", "CO"),
            ("602", "Phoenix", "AZ"), ("415", "San Francisco", "CA"),
            ("213", "Los Angeles", "CA"), ("619", "San Diego", "CA"), ("206", "Seattle", "WA"),
            ("503", "Portland", "OR"), ("208", "Boise", "ID"), ("404", "Atlanta", "GA"),
            ("617", "Boston", "MA"), ("215", "Philadelphia", "PA"), ("702", "Las Vegas", "NV"),
            ("612", "Minneapolis", "MN"), ("615", "Nashville", "TN"), ("704", "Charlotte", "NC"),
            ("907", "Anchorage", "AK"), ("808", "Honolulu", "HI"), ("605", "Sioux Falls", "SD"),
            ("801", "Salt Lake City", "UT"), ("313", "Detroit", "MI")]
CA_AREAS = [("416", "Toronto", "ON"), ("647", "Toronto", "ON"), ("613", "Ottawa", "ON"),
            ("514", "Montréal", "QC"), ("604", "Vancouver", "BC"), ("403", "Calgary", "AB"),
            ("780", "Edmonton", "AB"), ("902", "Halifax", "NS"), ("204", "Winnipeg", "MB"),
            ("306", "Regina", "SK")]
GB_CITIES = [("London", "020", 8), ("Manchester", "0161", 7), ("Birmingham", "0121", 7),
             ("Edinburgh", "0131", 7), ("Glasgow", "0141", 7)]
DE_CITIES = [("Berlin", "BE", "030"), ("München", "BY", "089"), ("Hamburg", "HH", "040"),
             ("Frankfurt", "HE", "069")]
FR_CITIES = [("Paris", "01"), ("Lyon", "04"), ("Marseille", "04"), ("Bordeaux", "05"),
             ("Lille", "03"), ("Nantes", "02")]
COUNTRIES = [("US", 0.70), ("CA", 0.10), ("GB", 0.10), ("DE", 0.05), ("FR", 0.05)]
KINDS = ["direct", "mobile", "office", "assistant", "home"]


def _nanp_raw(rng: random.Random, area: str) -> str:
    e = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    n = f"{rng.randint(0, 9999):04d}"
    style = rng.randrange(4)
    return (f"({area}) {e}-{n}", f"{area}.{e}.{n}", f"+1 {area} {e} {n}", f"{area}-{e}-{n}")[style]


def _raw_number(rng: random.Random, country: str, place: tuple, mobile: bool) -> str:
    if country in ("US", "CA"):
        return _nanp_raw(rng, place[0])
    if country == "GB":
        if mobile:
            return f"07{rng.choice('4579')}{rng.randint(0, 99):02d} {rng.randint(0, 999999):06d}"
        _, code, digits = place
        body = f"{rng.randint(2, 9)}{rng.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"
        return f"{code} {body[:4]} {body[4:]}" if digits == 8 else f"{code} {body[:3]} {body[3:]}"
    if country == "DE":
        if mobile:
            return f"0{rng.choice(['151', '160', '170', '171', '172', '176'])} " \
                   f"{rng.randint(1000000, 9999999)}"
        return f"{place[2]} {rng.randint(2000000, 99999999)}"
    # FR
    lead = rng.choice(["06", "07"]) if mobile else place[1]
    return lead + "".join(f" {rng.randint(10, 99)}" for _ in range(4))


def _reference(raw: str, region: str) -> tuple[str, str, str, str] | str:
    """domain.phones.parse_phone's answer in the importer's fast-parser shape."""
    from dialer_tui.domain.phones import PhoneError, parse_phone

    try:
        p = parse_phone(raw, region)
    except PhoneError as exc:
        return str(exc)
    if not p.valid:
        return "not a valid number"
    return p.e164, p.extension, p.number_type, " ".join(p.time_zones)


def _fast_parser():
    """The importer's bulk parser (same answers as parse_phone at a third of the cost), wherever
    it lives in this version; parse_phone itself when there is none."""
    try:
        from dialer_tui.services.csv_headers import parse_phone_fast

        return parse_phone_fast
    except ImportError:
        pass
    try:
        from dialer_tui.services.importer import FastPhoneParser  # type: ignore[attr-defined]

        return FastPhoneParser().parse
    except ImportError:
        return _reference


class _Numbers:
    """Unique valid numbers. Every 97th is cross-checked against domain.phones.parse_phone; on
    any disagreement the fast parser is dropped and parse_phone decides from then on."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.parse, self.seen = rng, _fast_parser(), set()
        self.checked = 0

    def make(self, country: str, place: tuple, mobile: bool) -> tuple[str, str, str, str]:
        """(raw, e164, number_type, time_zones)."""
        for _ in range(1000):
            raw = _raw_number(self.rng, country, place, mobile)
            got = self.parse(raw, country)
            if self.parse is not _reference and len(self.seen) % 97 == 0:
                self.checked += 1
                ref = _reference(raw, country)
                if isinstance(ref, str) != isinstance(got, str) or (
                        not isinstance(ref, str) and tuple(ref) != tuple(got)):
                    self.parse, got = _reference, ref
            if isinstance(got, str) or got[0] in self.seen:
                continue
            e164, _ext, ntype, zones = got
            self.seen.add(e164)
            return raw, e164, ntype, zones
        raise RuntimeError(f"cannot generate a valid {country} number for {place}")


def _spread(rng: random.Random, total: int, slots: int, base: int, cap: int | None = None
            ) -> list[int]:
    """`slots` counts of at least `base`, summing to `total`, the rest spread at random."""
    counts = [base] * slots
    rest = total - base * slots
    if rest < 0:
        raise ValueError(f"cannot spread {total} over {slots} slots of at least {base}")
    while rest:
        i = rng.randrange(slots)
        if cap is None or counts[i] < cap:
            counts[i] += 1
            rest -= 1
    return counts


def _sched(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def build(path: Path, *, scale: float = 1.0, seed: int = 42, log=None) -> dict:
    """Write the database at `path` (which must not exist). Returns the counts and facts bench.py
    needs (the special prospect's id, name and a number)."""
    from sqlalchemy import create_engine, event, insert

    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.csv_headers import name_key
    from dialer_tui.store import models as m
    from dialer_tui.store import name_search
    from dialer_tui.store.engine import make_engine

    log = log or (lambda msg: None)
    started = time.perf_counter()
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    make_engine(path).dispose()  # the real schema, at the current version
    engine = create_engine(f"sqlite:///{path}")
    # Secondary indexes are dropped for the load and built once at the end (sorted builds, not
    # millions of random B-tree inserts: what makes --scale 10 take minutes, not an hour).
    with engine.begin() as conn:
        indexes = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                       " AND sql IS NOT NULL").all()
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        # The name search index (schema v11) likewise: its triggers would index row by row.
        name_index = name_search.exists(conn)
        if name_index:
            for suffix in ("ai", "ad", "au"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name_search.TABLE}_{suffix}")
            conn.exec_driver_sql(f"DROP TABLE {name_search.TABLE}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):  # a throwaway build: no fsync until the end
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA cache_size = -200000")
        cur.close()

    bundle = load_bundle(None)
    steps = bundle.cadences.cadence.steps
    rng = random.Random(seed)
    numbers = _Numbers(random.Random(seed + 1))
    n_p = _sched(BASE_PROSPECTS, scale)
    n_ph = max(n_p, _sched(BASE_NUMBERS, scale))
    n_fu = _sched(BASE_FOLLOW_UPS, scale)
    n_new, n_term = round(n_p * 0.35), round(n_p * 0.10)
    n_work = n_p - n_new - n_term
    if n_work < n_fu:
        raise ValueError("scale too small: fewer working prospects than follow-ups")
    n_t = max(_sched(BASE_TOUCHES, scale), SPECIAL_TOUCHES + n_work + n_term)
    special = max(1, n_p // 3)

    ids = list(range(1, n_p + 1))
    rng.shuffle(ids)
    status_of: dict[int, str] = {}
    for pid in ids[:n_new]:
        status_of[pid] = m.STATUS_NEW
    terminal = ([m.STATUS_MEETING] * 25 + [m.STATUS_NOT_INTERESTED] * 35
                + [m.STATUS_UNRESPONSIVE] * 25 + [m.STATUS_REFERRED] * 5 + [m.STATUS_DNC] * 10)
    for pid in ids[n_new:n_new + n_term]:
        status_of[pid] = rng.choice(terminal)
    working = ids[n_new + n_term:]
    for pid in working:
        status_of[pid] = m.STATUS_WORKING
    if status_of[special] != m.STATUS_WORKING:  # swap the special prospect into "working"
        other = next(p for p in working if p != special)
        status_of[other], status_of[special] = status_of[special], m.STATUS_WORKING
        working[working.index(other)] = special
    with_fu = set(working[:n_fu]) | {special}
    if len(with_fu) > n_fu:
        with_fu.discard(next(p for p in working[:n_fu] if p != special))

    touched = [pid for pid in range(1, n_p + 1)
               if status_of[pid] != m.STATUS_NEW and pid != special]
    touch_counts = dict(zip(touched, _spread(rng, n_t - SPECIAL_TOUCHES, len(touched), 1),
                            strict=True))
    touch_counts[special] = SPECIAL_TOUCHES
    phone_counts = _spread(rng, n_ph, n_p, 1, cap=5)

    P, PH, T, FU, D = (m.Prospect.__table__, m.PhoneNumber.__table__, m.Touch.__table__,
                       m.FollowUp.__table__, m.DncEntry.__table__)
    phone_id = touch_total = fu_total = dnc_total = leased = 0
    facts: dict = {}
    rank_of_kind = {m.FU_CALLBACK: m.RANK_CALLBACK, m.FU_PROMISE: m.RANK_PROMISED,
                    m.FU_CADENCE: m.RANK_CADENCE}
    recycle_days = {m.STATUS_MEETING: 120, m.STATUS_NOT_INTERESTED: 90,
                    m.STATUS_UNRESPONSIVE: 60, m.STATUS_REFERRED: 180}
    final_outcome = {m.STATUS_MEETING: "meeting_booked", m.STATUS_NOT_INTERESTED: "not_interested",
                     m.STATUS_UNRESPONSIVE: "left_voicemail", m.STATUS_REFERRED: "referred",
                     m.STATUS_DNC: "do_not_call"}

    def rand_dt(lo: datetime, hi: datetime) -> datetime:
        span = (hi - lo).total_seconds()
        return lo + timedelta(seconds=int(rng.random() * span))

    with engine.begin() as conn:
        for lo in range(1, n_p + 1, CHUNK):
            prospects, phones, touches, fus, dncs = [], [], [], [], []
            for pid in range(lo, min(n_p, lo + CHUNK - 1) + 1):
                status = status_of[pid]
                country = rng.choices([c for c, _ in COUNTRIES], [w for _, w in COUNTRIES])[0]
                if country == "US":
                    place = rng.choice(US_AREAS)
                    city, region = place[1], place[2]
                elif country == "CA":
                    place = rng.choice(CA_AREAS)
                    city, region = place[1], place[2]
                elif country == "GB":
                    place = rng.choice(GB_CITIES)
                    city, region = place[0], ""
                elif country == "DE":
                    place = rng.choice(DE_CITIES)
                    city, region = place[0], place[1]
                else:
                    place = rng.choice(FR_CITIES)
                    city, region = place[0], ""
                if pid == special:
                    first, last, company = SPECIAL_FIRST, SPECIAL_LAST, SPECIAL_COMPANY
                    country, place, city, region = "US", US_AREAS[0], "New York", "NY"
                else:
                    first, last = rng.choice(FIRST), rng.choice(LAST)
                    company = f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)}"
                # numbers
                mine = []
                for k in range(phone_counts[pid - 1]):
                    kind = KINDS[k] if k < len(KINDS) else "office"
                    if k and rng.random() < 0.3:
                        kind = rng.choice(KINDS)
                    raw, e164, ntype, zones = numbers.make(country, place, kind == "mobile")
                    phone_id += 1
                    dnc = status == m.STATUS_DNC or rng.random() < 0.005
                    mine.append((phone_id, e164))
                    phones.append({"id": phone_id, "prospect_id": pid, "e164": e164,
                                   "extension": "", "raw": raw, "kind": kind, "valid": True,
                                   "number_type": ntype, "time_zones": zones,
                                   "do_not_call": dnc, "bad": rng.random() < 0.02,
                                   "note": rng.choice(NOTES) if rng.random() < 0.03 else "",
                                   "created_at": AT - timedelta(days=400)})
                    if dnc:
                        dncs.append({"e164": e164, "prospect_id": pid if status == m.STATUS_DNC
                                     else None, "source": "bench", "reason": "generated",
                                     "created_at": AT - timedelta(days=30)})
                if status == m.STATUS_DNC:
                    dncs.append({"e164": "", "prospect_id": pid, "source": "outcome",
                                 "reason": "asked not to be called",
                                 "created_at": AT - timedelta(days=30)})
                if pid == special:
                    facts.update(special_id=pid, special_e164=mine[0][1],
                                 special_name=f"{first} {last}", special_company=company)
                # touches, newest last
                k = touch_counts.get(pid, 0)
                first_touch = last_attempt = None
                attempts = 0
                if k:
                    first_touch = rand_dt(AT - timedelta(days=365), AT - timedelta(days=3))
                    last_touch = rand_dt(max(first_touch, AT - timedelta(days=21)),
                                         AT - timedelta(hours=1))
                    times = sorted(rand_dt(first_touch, last_touch) for _ in range(k - 1))
                    times = [first_touch] + times[1:] + [last_touch] if k > 1 else [first_touch]
                    for i, when in enumerate(times):
                        r = rng.random()
                        channel = ("call" if r < 0.55 else "voicemail" if r < 0.80 else
                                   "email" if r < 0.92 else "linkedin" if r < 0.97 else "letter")
                        outcome = {"voicemail": "left_voicemail", "email": "email_sent",
                                   "linkedin": "linkedin", "letter": "letter"}.get(channel, "")
                        if channel == "call":
                            r = rng.random()
                            outcome = ("no_answer" if r < 0.70 else "gatekeeper" if r < 0.90
                                       else "callback_requested" if r < 0.97 else "wrong_number")
                        if i == k - 1 and status in final_outcome:
                            outcome = final_outcome[status]
                            channel = "voicemail" if outcome == "left_voicemail" else "call"
                        ph = rng.choice(mine) if channel in ("call", "voicemail") else None
                        counts = outcome != "wrong_number"
                        attempts += counts
                        if channel in ("call", "voicemail"):
                            last_attempt = when
                        touches.append({
                            "prospect_id": pid, "phone_id": ph[0] if ph else None,
                            "phone_e164": ph[1] if ph else "", "channel": channel,
                            "outcome": outcome, "started_at": when,
                            "duration_s": rng.randint(5, 600) if channel == "call" else None,
                            "note": rng.choice(NOTES) if rng.random() < 0.1 else "",
                            "counts_attempt": counts,
                            "connected": outcome in ("callback_requested", "meeting_booked",
                                                     "not_interested", "referred",
                                                     "do_not_call"),
                            "template_id": "promise" if channel == "voicemail" else "",
                            "value_prop_id": "", "objection_id": "",
                            "promised_start": None,
                            "promised_label": "Thursday morning" if channel == "voicemail"
                            else "",
                            "rep": rng.choice(["alex", "sam"]), "session_id": None,
                            "undo_state": ""})
                    touch_total += k
                    created = first_touch - timedelta(days=rng.randint(0, 30))
                else:
                    created = rand_dt(AT - timedelta(days=400), AT - timedelta(hours=1))
                cadence_step = min(attempts, len(steps) - 1)
                recycle_at = None
                queue_rank, queue_due, queue_owner = m.RANK_NEW, created, ""
                if status in recycle_days:
                    recycle_at = last_attempt_or(touches, pid, created) + timedelta(
                        days=recycle_days[status])
                    queue_rank, queue_due = m.RANK_OUT, recycle_at
                elif status == m.STATUS_DNC:
                    queue_rank, queue_due = m.RANK_OUT, None
                elif status == m.STATUS_WORKING:
                    queue_rank, queue_due = m.RANK_OUT, None  # no open follow-up: resting
                    if pid in with_fu:
                        r = rng.random()
                        kind = (m.FU_CALLBACK if r < 0.10 else m.FU_PROMISE if r < 0.35
                                else m.FU_CADENCE)
                        step = steps[cadence_step]
                        channel = "call" if kind != m.FU_CADENCE else step.channel
                        due = rand_dt(last_touch + timedelta(hours=1),
                                      last_touch + timedelta(days=14))
                        length = {m.FU_CALLBACK: timedelta(minutes=30),
                                  m.FU_PROMISE: timedelta(hours=3)}.get(kind, timedelta(days=1))
                        fus.append({"prospect_id": pid, "kind": kind, "channel": channel,
                                    "due_start": due, "due_end": due + length,
                                    "status": m.FU_OPEN,
                                    "step_index": cadence_step if kind != m.FU_CALLBACK
                                    else None,
                                    "template_id": step.template if kind != m.FU_CALLBACK
                                    else "",
                                    "label": f"{due:%A} "
                                             f"{'morning' if due.hour < 17 else 'afternoon'}",
                                    "owner": (owner := rng.choice(CALLBACK_OWNERS)
                                              if kind == m.FU_CALLBACK else ""),
                                    "note": "", "touch_id": None, "closed_by_touch_id": None,
                                    "created_at": last_touch, "closed_at": None})
                        fu_total += 1
                        queue_rank, queue_due = rank_of_kind[kind], due
                        queue_owner = owner
                claimed_by, claim_expires = "", None
                if pid in with_fu and pid != special:
                    r = rng.random()
                    if r < LEASED + EXPIRED:
                        claimed_by = rng.choice(["sam", "jo", "kim", "lee"])
                        claim_expires = (AT + LEASE_LIVE_UNTIL if r < LEASED
                                         else AT - timedelta(hours=rng.randint(1, 48)))
                        leased += r < LEASED
                email = f"{first}.{last}.{pid}@example.com".lower().replace("'", "")
                prospects.append({
                    "id": pid, "first_name": first, "last_name": last,
                    "title": rng.choice(TITLE), "company": company,
                    "industry": rng.choice(INDUSTRY), "city": city, "region": region,
                    "country": country, "time_zone": "", "email": email, "email_key": email,
                    "linkedin_url": "", "referrer_name": "", "referrer_company": "",
                    "referrer_prospect_id": None, "assistant_name": "",
                    "preferred_channel": "",
                    "research_notes": rng.choice(NOTES) if rng.random() < 0.2 else "",
                    "status": status,
                    "priority": 0 if status != m.STATUS_NEW else rng.choice([0] * 16 + [1] * 3
                                                                            + [2]),
                    "owner": "", "source": "bench", "custom_fields": "{}",
                    "name_key": name_key(first, last, company), "created_at": created,
                    "updated_at": created, "recycle_at": recycle_at, "queue_rank": queue_rank,
                    "queue_due_at": queue_due, "queue_owner": queue_owner,
                    "first_touch_at": first_touch,
                    "last_attempt_at": last_attempt, "attempts": attempts,
                    "cadence_step": cadence_step, "claimed_by": claimed_by,
                    "claim_expires_at": claim_expires})
            conn.execute(insert(P), prospects)
            conn.execute(insert(PH), phones)
            if touches:
                conn.execute(insert(T), touches)
            if fus:
                conn.execute(insert(FU), fus)
            if dncs:
                conn.execute(insert(D), dncs)
                dnc_total += len(dncs)
            if lo // CHUNK % 10 == 0:
                log(f"  {min(n_p, lo + CHUNK - 1):,}/{n_p:,} prospects "
                    f"({time.perf_counter() - started:.0f} s)")
    log(f"  rows written ({time.perf_counter() - started:.0f} s); building {len(indexes)} "
        "indexes ...")
    with engine.begin() as conn:
        for _, sql in indexes:
            conn.exec_driver_sql(sql)
        if name_index:
            name_search.create(conn)  # the table, filled in one pass, and its triggers
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    facts.update(prospects=n_p, numbers=phone_id, touches=touch_total, follow_ups=fu_total,
                 dnc_entries=dnc_total, leases_live=leased, rep=REP, new_rep=NEW_REP,
                 parse_phone_checked=numbers.checked,
                 parser="parse_phone" if numbers.parse is _reference else "fast", scale=scale,
                 seed=seed, at=AT.isoformat(), version=GEN_VERSION,
                 build_s=round(time.perf_counter() - started, 1))
    return facts


def last_attempt_or(touches: list[dict], pid: int, default: datetime) -> datetime:
    """The newest touch of `pid` among this chunk's rows (touches are appended oldest first)."""
    for t in reversed(touches):
        if t["prospect_id"] == pid:
            return t["started_at"]
    return default


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    facts = build(args.path, scale=args.scale, seed=args.seed,
                  log=lambda s: sys.stderr.write(s + "\n"))
    sys.stdout.write(json.dumps(facts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
