#!/usr/bin/env python3
"""Write a reproducible CSV of N generated prospects (US, CA, GB, DE, FR) for import benchmarks,
and optionally time the import against a bare phonenumbers loop over the same numbers.

    python scripts/gen_csv.py 100000 /tmp/prospects.csv            # just the file
    python scripts/gen_csv.py 100000 /tmp/prospects.csv --bench    # file, then both timings

Same N and --seed give the same file byte for byte. Every number is unique and valid, so an
import into an empty database imports N rows and merges none. About one row in five has a
second (mobile) number; numbers are written in the mixed styles real exports use.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
         "Sarah", "Carlos", "Mei", "Priya", "Ahmed", "Olivia", "Noah", "Emma", "Lukas", "Sophie",
         "Jean", "Camille", "Oliver", "Amelia", "Hannah", "Felix", "Chloé", "José", "Zoë"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez",
        "Wilson", "Anderson", "Taylor", "Moore", "Martin", "Lee", "Walker", "Hall", "Young",
        "Müller", "Schmidt", "Schneider", "Dubois", "Laurent", "Moreau", "Evans", "Patel",
        "Nguyen", "Kim", "O'Brien", "MacLeod", "Fischer", "Weber", "Bernard", "Roux"]
COMPANY = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli",
           "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp"]
SUFFIX = ["Inc", "LLC", "Ltd", "GmbH", "SA", "Group", "Logistics", "Health", "Systems"]
TITLE = ["VP Operations", "Plant Manager", "CFO", "Head of IT", "Procurement Lead",
         "Director of Sales", "COO", "Facilities Manager", "Controller", "CTO"]
INDUSTRY = ["manufacturing", "healthcare", "software", "logistics", "finance", "retail",
            "construction", "professional services"]
# (country, weight, cities with (state, area code or city prefix))
US = [("New York", "NY", "212"), ("Miami", "FL", "305"), ("Chicago", "IL", "312"),
      ("Dallas", "TX", "214"), ("Denver", "CO", "303"), ("Phoenix", "AZ", "602"),
      ("San Francisco", "CA", "415"), ("Seattle", "WA", "206"), ("Boise", "ID", "208"),
      ("Atlanta", "GA", "404"), ("Boston", "MA", "617"), ("Houston", "TX", "713")]
CA = [("Toronto", "ON", "416"), ("Vancouver", "BC", "604"), ("Montréal", "QC", "514")]
US_STYLES = ["({a}) {e}-{n}", "{a}.{e}.{n}", "+1 {a} {e} {n}", "{a}-{e}-{n}", "1{a}{e}{n}"]


def _nanp(rng: random.Random, area: str) -> str:
    e = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    if e[1:] == "11" or e == "555":
        e = "234"
    n = f"{rng.randint(0, 9999):04d}"
    text = rng.choice(US_STYLES).format(a=area, e=e, n=n)
    return text + (f" x{rng.randint(10, 999)}" if rng.random() < 0.05 else "")


def _person(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)}"
    pick = rng.random()
    mobile = ""
    if pick < 0.70:
        city, state, area = rng.choice(US)
        country, phone = "United States", _nanp(rng, area)
        if rng.random() < 0.2:
            mobile = _nanp(rng, area)
    elif pick < 0.80:
        city, state, area = rng.choice(CA)
        country, phone = "Canada", _nanp(rng, area)
    elif pick < 0.90:
        city, state, country = "London", "", "United Kingdom"
        phone = f"020 7{rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}"
        if rng.random() < 0.3:
            mobile = f"+44 79{rng.randint(0, 99):02d} {rng.randint(0, 999999):06d}"
    elif pick < 0.95:
        city, state, country = "Berlin", "BE", "Germany"
        phone = f"+49 30 {rng.randint(1000000, 99999999)}"
    else:
        city, state, country = "Paris", "", "France"
        phone = f"01 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} " \
                f"{rng.randint(10, 99)}"
    email = f"{first}.{last}.{i}@example.com".lower() if rng.random() < 0.9 else ""
    return {"First Name": first, "Last Name": last, "Company Name": company,
            "Job Title": rng.choice(TITLE), "Email": email, "Phone Number": phone,
            "Mobile Phone Number": mobile, "City": city, "State/Region": state,
            "Country/Region": country, "Industry": rng.choice(INDUSTRY)}


def generate(n: int, path: Path, seed: int = 42) -> list[tuple[str, str]]:
    """Write the file; returns (number, region) for every number in it."""
    from dialer_tui.services.csv_headers import country_code, parse_phone_fast

    rng, seen, numbers = random.Random(seed), set(), []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = None
        i = 0
        while i < n:
            row = _person(rng, i)
            region = country_code(row["Country/Region"]) or "US"
            cols = [c for c in ("Phone Number", "Mobile Phone Number") if row[c]]
            parsed = [parse_phone_fast(row[c], region) for c in cols]
            e164s = [p[0] for p in parsed if not isinstance(p, str)]
            if len(e164s) != len(parsed) or seen.intersection(e164s) or len(set(e164s)) < len(
                    e164s):
                continue  # keep every number valid and unique
            seen.update(e164s)
            numbers += [(row[c], region) for c in cols]
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            i += 1
    return numbers


def bench(path: Path, numbers: list[tuple[str, str]], rows: int) -> None:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    from dialer_tui.services.importer import import_csv
    from dialer_tui.store.engine import make_engine

    start = time.perf_counter()
    for raw, region in numbers:
        num = phonenumbers.parse(raw, region)
        phonenumbers.is_valid_number(num)
        phonenumbers.format_number(num, PhoneNumberFormat.E164)
    bare = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "bench.db")
        start = time.perf_counter()
        result = import_csv(engine, path)
        took = time.perf_counter() - start
        engine.dispose()
    sys.stdout.write(f"bare phonenumbers loop: {len(numbers):,} numbers in {bare:.2f} s = "
                     f"{rows / bare:,.0f} rows/s\n")
    sys.stdout.write(f"import_csv: {result.summary()} in {took:.2f} s = {rows / took:,.0f} "
                     f"rows/s ({bare / took:.2f}x the bare loop)\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("path", type=Path)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--bench", action="store_true", help="time an import into a new database")
    args = ap.parse_args(argv)
    numbers = generate(args.rows, args.path, args.seed)
    sys.stderr.write(f"wrote {args.rows:,} rows, {len(numbers):,} numbers to {args.path}\n")
    if args.bench:
        bench(args.path, numbers, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
