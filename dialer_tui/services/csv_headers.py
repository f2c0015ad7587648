"""What a row of a CRM export (HubSpot, Salesforce, Pipedrive, Close) or a hand-made spreadsheet
says about a prospect: what its values mean (which column is which: services/header_map.py).
Pure: no database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from phonenumbers import phonenumberutil as pnu
from phonenumbers import timezone as pn_tz

from dialer_tui.domain import phones as domain_phones
from dialer_tui.domain.phonenumbers_internals import UNKNOWN, region_and_type
from dialer_tui.services.exporter import FORMULA_TRIGGERS
from dialer_tui.services.header_map import Vocabulary, map_headers
from dialer_tui.text_safety import strip_controls

# Country names and codes as CRMs write them -> ISO 3166 alpha-2. Other alpha-2 codes that
# phonenumbers knows are accepted as they are (see `country_code`).
_COUNTRIES = {
    "US": "united states|united states of america|usa|u s a|u s|america|etats unis",
    "CA": "canada|can", "IE": "ireland|republic of ireland|eire|irl",
    "GB": "united kingdom|uk|u k|great britain|britain|england|scotland|wales|northern ireland|gbr",
    "DE": "germany|deutschland|allemagne|deu|ger", "FR": "france|fra|frankreich",
    "ES": "spain|espana|españa|esp", "IT": "italy|italia|ita", "PT": "portugal|prt",
    "NL": "netherlands|the netherlands|holland|nederland|nld", "BE": "belgium|belgique|belgie|bel",
    "CH": "switzerland|schweiz|suisse|che", "AT": "austria|osterreich|österreich|aut",
    "SE": "sweden|sverige|swe", "NO": "norway|norge|nor", "DK": "denmark|danmark|dnk",
    "FI": "finland|suomi|fin", "PL": "poland|polska|pol", "AU": "australia|aus",
    "NZ": "new zealand|nzl", "MX": "mexico|méxico|mex", "BR": "brazil|brasil|bra",
    "IN": "india|ind", "JP": "japan|jpn", "SG": "singapore|sgp", "ZA": "south africa|zaf",
}
_COUNTRY_LOOKUP = {name: code for code, names in _COUNTRIES.items() for name in names.split("|")}


@lru_cache(maxsize=1024)
def country_code(text: str) -> str | None:
    """'United Kingdom', 'uk', 'GBR', 'gb' -> 'GB'; None when not recognised."""
    key = " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())
    if key in _COUNTRY_LOOKUP:
        return _COUNTRY_LOOKUP[key]
    if len(key) == 2 and key.upper() in pnu.SUPPORTED_REGIONS:
        return key.upper()
    return None


_PRIORITY_WORDS = {"urgent": 3, "top": 3, "high": 2, "hot": 2, "medium": 1, "normal": 1,
                   "warm": 1, "low": 0, "cold": 0, "none": 0}


def priority_value(text: str) -> int | None:
    """'2', 'High', 'hot' -> an int (higher is called first); None when not understood."""
    key = text.strip().casefold()
    if re.fullmatch(r"[+-]?\d{1,6}", key):
        return int(key)
    return _PRIORITY_WORDS.get(key)


# What a line column says -> whom the line reaches (Prospect.line).
_LINE_WORDS = {**dict.fromkeys(("business", "b2b", "company", "work", "office", "professional",
                                "pro", "corporate", "geschaftlich", "geschäftlich", "firma",
                                "professionnel", "entreprise", "empresa", "azienda"),
                               "business"),
               **dict.fromkeys(("consumer", "b2c", "private", "personal", "residential", "home",
                                "privat", "verbraucher", "particulier", "consommateur",
                                "particular", "consumidor", "privato", "consumatore"),
                               "consumer")}


def line_value(text: str) -> str | None:
    """'B2B', 'Business', 'consumer', 'privat' -> 'business' or 'consumer'; None otherwise."""
    return _LINE_WORDS.get(text.strip().casefold())


def consent_day(text: str) -> date | None:
    """The day consent was given: an ISO date ('2026-03-01'), or the date part of an ISO
    timestamp as CRMs export it; None for anything else (03/01/2026 is ambiguous)."""
    head = text.strip()[:10]
    try:
        return date.fromisoformat(head) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", head) else None
    except ValueError:
        return None


# What people type in a spreadsheet's time-zone column instead of an IANA name.
_TZ_ALIASES = {alias: zone for zone, aliases in {
    "America/New_York": "et est edt eastern", "America/Chicago": "ct cst cdt central",
    "America/Denver": "mt mst mdt mountain", "America/Los_Angeles": "pt pst pdt pacific",
    "America/Anchorage": "akst akdt alaska", "Pacific/Honolulu": "hst hawaii",
    "America/Phoenix": "arizona"}.items() for alias in aliases.split()}


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    import zoneinfo

    return {z.casefold(): z for z in zoneinfo.available_timezones()}


@lru_cache(maxsize=1024)
def time_zone(text: str) -> str | None:
    """An IANA zone name for 'America/Chicago', 'america/chicago', 'us_slash_eastern' (HubSpot's
    internal value) or a US abbreviation such as 'EST'; None when it is not one."""
    key = text.strip().casefold().replace("_slash_", "/")
    if key in _TZ_ALIASES:
        return _TZ_ALIASES[key]
    zones = _zones()
    return zones.get(key) or zones.get(key.replace(" ", "_"))


_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "cpa", "esq"}


# Where the family name comes first in a full name ("Nguyen Van An": the greeting says "An").
FAMILY_NAME_FIRST = frozenset({"VN", "CN", "TW", "JP", "KR", "HU"})


def split_name(full: str, country: str = "") -> tuple[str, str]:
    """(given, family): 'Dr. Jane A. Smith' -> ('Jane', 'A. Smith'); 'Smith, Jane' -> ('Jane',
    'Smith'); in a family-name-first country 'Nguyen Van An' -> ('An', 'Nguyen Van')."""
    full = " ".join(full.split())
    left, comma, right = full.partition(",")
    if comma and left and right.strip() and right.strip(" .").casefold() not in _SUFFIXES:
        return split_name(f"{right.strip()} {left}")  # "Family, Given" says which is which
    parts = full.split(" ")
    while len(parts) > 1 and parts[0].rstrip(".").casefold() in _HONORIFICS:
        parts.pop(0)
    if country in FAMILY_NAME_FIRST and len(parts) > 1:
        return parts[-1], " ".join(parts[:-1])
    return parts[0], " ".join(parts[1:])


def split_referrer(text: str) -> tuple[str, str]:
    """'Sam Patel (Northwind)', 'Sam Patel at Northwind', 'Sam Patel, Northwind' -> name, firm."""
    m = (re.fullmatch(r"(.+?)\s*\((.+)\)", text) or re.fullmatch(r"(.+?)\s+(?:at|@)\s+(.+)", text)
         or re.fullmatch(r"(\S+\s+\S.*?),\s*(.+)", text))
    return (m.group(1).strip(), m.group(2).strip()) if m else (text, "")


def name_key(first: str, last: str, company: str) -> str:
    """The search key stored on each prospect (repo.search lower-cases its needle the same)."""
    return " ".join(f"{first} {last} {company}".split()).lower()


# The lookbehind starts a match only where a run of address characters starts: the same matches,
# but a 100k-character cell with no '@' costs one scan instead of a quadratic backtrack (minutes).
EMAIL = re.compile(r"(?<![^@\s;,<>'\"])[^@\s;,<>'\"]+@[^@\s;,<>'\"]+\.[^@\s;,<>'\"]+")


def clean(value: str) -> tuple[str, bool]:
    """Line ends made LF; escape sequences and control characters removed (True if any were):
    imported text is shown in a terminal and must never drive it."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return strip_controls(value)


def unneutralise(value: str) -> str:
    """Undo the exporter's formula apostrophe (see exporter.py's docstring)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS else value


# A North American number written one of the usual ways: "(212) 465-4552", "212.465.4552",
# "212-465-4552", "+1 212 465 4552", "12124654552". phonenumbers.parse reads each as country
# code 1 and its ten digits, after a generic walk (normalising, country code extraction,
# national prefix rules) that is half of what a number costs an import; 80% of the bench's
# numbers take this path. tests/unit/test_nanp_fast_path.py holds it to parse's answer.
_NANP = re.compile(r"(\+1|1)?[ .-]?\(?([2-9]\d\d)\)?[ .-]?(\d{3})[ .-]?(\d{4})")
_NANP_REGIONS = frozenset({"US", "CA"})  # where a number without +1 is read as North American


def _nanp_number(m: re.Match, region: str) -> pnu.PhoneNumber | None:
    """The number `_NANP` matched, as phonenumbers.parse gives it; None when the default region
    is not North American and the text has no +1 (parse then reads it in that region)."""
    if m.group(1) != "+1" and region.upper() not in _NANP_REGIONS:
        return None
    return pnu.PhoneNumber(country_code=1, national_number=int(m.group(2) + m.group(3)
                                                               + m.group(4)))


def _parse(body: str, region: str) -> pnu.PhoneNumber | str:
    try:
        return pnu.parse(body, region.upper())
    except pnu.NumberParseException as exc:
        return domain_phones._parse_reason(exc)


def parse_phone_fast(raw: str, region: str) -> tuple[str, str, str, str] | str:
    """`domain.phones.parse_phone`'s answer at a third of its cost, for bulk imports:
    (e164, extension, number_type, time_zones) of a valid number, else the reason it is not.

    parse_phone works out a number's region four times and parses the E.164 form again for the
    time zones; at 100k rows that is most of an import. This asks phonenumbers once for each
    fact, with the same rules (tests/store/test_import.py checks that both agree)."""
    text = raw.strip()
    if not text:
        return "empty phone number"
    if len(text) > 64:
        return "too long to be a phone number"
    body, ext = domain_phones._split_extension(text)
    if body.startswith("00") and not body.startswith("000"):
        body = "+" + body[2:]
    if m := _NANP.fullmatch(body):
        num = _nanp_number(m, region) or _parse(body, region)
    else:
        num = _parse(body, region)
    if isinstance(num, str):
        return num
    ext = ext or num.extension or ""
    # is_valid_number + number_type + region_code_for_number in one walk: each of them matches
    # the number against the region's patterns, the costly part (the adapter says what it buys).
    rc, ntype = region_and_type(num)
    if ntype == UNKNOWN:
        if not pnu.is_possible_number(num):
            return f"not a possible number for {rc or region}"
        return "not a valid number"
    if pnu.is_number_type_geographical(ntype, num.country_code):
        zones = pn_tz.time_zones_for_geographical_number(num)
    else:
        zones = pn_tz.time_zones_for_number(num)
    zones = [z for z in zones if z != "Etc/Unknown"]
    return (pnu.format_number(num, pnu.PhoneNumberFormat.E164), ext,
            domain_phones._TYPE_NAMES.get(ntype, "unknown"),
            " ".join(sorted(zones)) if len(zones) <= domain_phones.MAX_MEANINGFUL_ZONES else "")


ONLY_CONTROLS = "the row held nothing but control characters and escape codes"
MAX_CELL = 128 * 1024  # characters: beyond this a cell is not prospect data; its row is rejected


@dataclass(slots=True)
class RowValues:
    """What one CSV row says about a prospect."""

    fields: dict  # prospect column -> value, non-empty ones only
    phones: list  # PhoneNumber column dicts, valid numbers only, without prospect_id
    email_key: str
    custom: dict
    notes: list  # what was dropped or changed, for the import's warnings
    phone_errors: list  # (raw, reason) of numbers that are not valid
    line: int = 0  # where the record starts in the file (the importer sets it)

    @property
    def usable(self) -> bool:
        """A prospect can be reached: a valid number or an email (else the row is rejected)."""
        return bool(self.phones or self.email_key)


class RowReader:
    def __init__(self, headers: list[str], *, region: str, source: str,
                 vocab: Vocabulary | None = None, manual: dict[str, str] | None = None):
        self.headers, self.region, self.source = headers, region, source
        self.hmap = map_headers(headers, vocab, manual)
        self.text_fields = [(f, cols) for f, cols in self.hmap.fields.items()
                            if f not in ("full_name", "phone_notes", "extension", "custom_fields")]
        self.phone_cols = [(col, kind, False) for col, kind in self.hmap.phones]
        if self.hmap.other_phones is not None:  # our export's "+1... (mobile); +44... (office)"
            self.phone_cols.append((self.hmap.other_phones, "office", True))
        # A file with a name column: a row without a name there is rejected, never kept blank.
        self.named = any(f in self.hmap.fields for f in ("first_name", "last_name", "full_name"))

    def nameless(self, row: RowValues) -> bool:
        return "first_name" not in row.fields and "last_name" not in row.fields

    def needs_cells(self, row: RowValues) -> bool:
        """Whether the rejects file may list the row: unusable, or nameless in a named file."""
        return not row.usable or (self.named and self.nameless(row))

    def read(self, cells: list[str], *, scrub: bool) -> RowValues | None:
        """None for a blank row. `scrub`: the cells may hold control characters or CRs."""
        notes: list[str] = []
        width = len(self.headers)
        if len(cells) != width:
            if any(c.strip() for c in cells[width:]):
                notes.append(f"{len(cells) - width} cells beyond the last column ignored")
            cells[:] = (cells + [""] * width)[:width]
        if scrub:
            for i, value in enumerate(cells):
                cells[i], changed = clean(value)
                if changed:
                    notes.append(f"control characters removed from {self.headers[i]!r}")
        if max(map(len, cells), default=0) > MAX_CELL:  # (a generator here: 4% of a read)
            big = next(i for i, c in enumerate(cells) if len(c) > MAX_CELL)
            return RowValues({}, [], "", {}, [], [("", f"the {self.headers[big]!r} cell is "
                                                       f"over {MAX_CELL // 1024} KiB")])
        if not any(cells):
            if notes:  # it held only escape codes: rejected with that reason, never dropped
                return RowValues({}, [], "", {}, [], [("", ONLY_CONTROLS)])
            return None
        fields = {}
        for name, cols in self.text_fields:  # _value, inlined: this loop runs for every cell
            for col in cols:
                if value := cells[col].strip():
                    fields[name] = unneutralise(value) if value[0] == "'" else value
                    break
        custom = {self.headers[i]: v for i in self.hmap.custom if (v := cells[i].strip())}
        self._normalise(cells, fields, custom, notes)
        if "first_name" not in fields and "last_name" not in fields:
            if full := _value(cells, self.hmap.fields.get("full_name", ())):
                first, last = split_name(full, fields.get("country") or self.region)
                fields.update({"first_name": first, "last_name": last} if last
                              else {"first_name": first})
        email_key = ""
        for col in self.hmap.emails:
            raw = cells[col].strip().removeprefix("'")
            m = EMAIL.search(raw)
            if m and not email_key:
                fields["email"], email_key = m.group(0), m.group(0).lower()
            elif raw and not m:
                notes.append(f"email {raw!r} ignored: not an email address")
        phones, errors = self._phones(cells, fields.get("country") or self.region)
        return RowValues(fields, phones, email_key, custom, notes, errors)

    def _normalise(self, cells: list[str], fields: dict, custom: dict, notes: list[str]) -> None:
        for name, norm, what in (("country", country_code, "country"),
                                 ("time_zone", time_zone, "IANA time zone"),
                                 ("priority", priority_value, "priority"),
                                 ("line", line_value, "line (business or consumer)"),
                                 ("consent_date", consent_day, "date (YYYY-MM-DD)")):
            if name in fields:
                value = norm(fields[name])
                if value is None:  # kept where a rep can still see it
                    notes.append(f"{name} {fields[name]!r} ignored: not a {what} we know")
                    custom[name] = fields.pop(name)
                elif value == 0:
                    del fields[name]  # priority 0 is the default: nothing to fill on a merge
                else:
                    fields[name] = value
        if "referrer_name" in fields and "referrer_company" not in fields and not self.hmap.ours:
            name, company = split_referrer(fields["referrer_name"])
            if company:
                fields["referrer_name"], fields["referrer_company"] = name, company
        if "source" not in fields and self.source:
            fields["source"] = self.source
        if blob := _value(cells, self.hmap.fields.get("custom_fields", ())):
            try:
                extra = json.loads(blob)
            except ValueError:
                extra = None
            if isinstance(extra, dict):
                custom.update({str(k): v for k, v in extra.items()})
            else:
                notes.append("custom_fields is not a JSON object; kept as text")
                custom["custom_fields"] = blob

    def _phones(self, cells: list[str], region: str) -> tuple[list, list]:
        hmap, phones, errors, seen = self.hmap, [], [], set()
        for col, kind, tagged in self.phone_cols:
            if not (cell := cells[col].strip()):
                continue
            for raw in re.split(r"\s*[;|]\s*", cell) if (";" in cell or "|" in cell) else [cell]:
                raw, this_kind = raw.strip().removeprefix("'"), kind
                if tagged and (m := re.fullmatch(r"(.*?)\s*\((\w+)\)", raw)):
                    raw, this_kind = m.group(1), m.group(2)
                if not raw:
                    continue
                parsed = parse_phone_fast(raw, region)
                if isinstance(parsed, str):
                    errors.append((raw, parsed))
                elif parsed[0] not in seen:
                    seen.add(parsed[0])
                    if parsed[2] == "mobile" and not hmap.ours:  # our export's kinds stand
                        this_kind = "mobile"
                    phones.append({"e164": parsed[0], "extension": parsed[1], "raw": raw,
                                   "kind": this_kind, "valid": True, "number_type": parsed[2],
                                   "time_zones": parsed[3], "note": ""})
        if phones and (ext := _value(cells, hmap.fields.get("extension", ()))) and \
                (ext := re.sub(r"\D", "", ext)):
            if target := next((p for p in phones if not p["extension"]), None):
                target["extension"] = ext
        if phones and (note := _value(cells, hmap.fields.get("phone_notes", ()))):
            by_kind = {p["kind"]: p for p in reversed(phones)}  # the first of each kind
            (by_kind.get("office") or by_kind.get("direct") or phones[0])["note"] = note
        return phones, errors


def _value(cells: list[str], cols) -> str:
    """The first non-empty cell of a field's columns, as the exporter wrote it before."""
    for col in cols:
        if value := cells[col].strip():
            return unneutralise(value)
    return ""
