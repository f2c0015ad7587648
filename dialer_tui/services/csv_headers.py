"""How the common CRM exports (HubSpot, Salesforce, Pipedrive, Close) and hand-made spreadsheets
name their columns and write their values (countries, priorities, time zones, names, numbers).

Headers are compared after `header_key`: case-folded, letters and digits only, so "First Name",
"first_name", "FirstName" and "FIRST-NAME" are one key. Entity prefixes that CRMs put in front
("Contact: First Name", "Person - Name", "Mailing State") are tried with and without.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Prospect text fields, keyed by normalised header.
_SYNONYMS: dict[str, str] = {}


def _add(field_name: str, *keys: str) -> None:
    for key in keys:
        _SYNONYMS[key] = field_name


_add("first_name", "firstname", "first", "givenname", "forename", "fname", "vorname", "prenom")
_add("last_name", "lastname", "last", "surname", "familyname", "lname", "nachname", "nom")
_add("full_name", "name", "fullname", "contactname", "personname", "contact", "person")
_add("title", "title", "jobtitle", "position", "role", "jobrole", "designation", "job")
_add("company", "company", "companyname", "account", "accountname", "organization",
     "organisation", "organizationname", "organisationname", "org", "orgname", "employer",
     "business", "businessname", "firm", "associatedcompany", "leadname", "firma")
_add("industry", "industry", "sector", "vertical", "companyindustry", "accountindustry")
_add("city", "city", "town", "locality", "ort", "ville")
_add("region", "state", "stateprovince", "stateregion", "province", "region", "county",
     "statecode", "provincestate", "bundesland")
_add("country", "country", "countryregion", "countrycode", "nation", "land", "pays")
_add("time_zone", "timezone", "tz", "ianatimezone", "zone")
_add("linkedin_url", "linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl")
_add("referrer_name", "referredby", "referrer", "referrername", "referral", "referredbyname")
_add("referrer_company", "referrercompany", "referredbycompany", "referralcompany")
_add("assistant_name", "assistant", "assistantname", "executiveassistant", "gatekeeper",
     "personalassistant")
_add("research_notes", "notes", "note", "researchnotes", "comments", "comment", "description",
     "background", "research")
_add("priority", "priority", "leadpriority")
_add("owner", "owner", "contactowner", "leadowner", "accountowner", "ownername", "assignedto",
     "salesrep", "rep", "hubspotowner")
_add("source", "source", "leadsource", "originalsource")
_add("preferred_channel", "preferredchannel")
_add("phone_notes", "phonenotes", "phonenote", "phonetree", "dialnotes", "callnotes")
_add("extension", "extension", "ext", "phoneextension", "phoneext")
_add("custom_fields", "customfields")

# Prefixes CRMs put before a field name; tried off when the whole key is unknown.
_PREFIXES = ("primarycontact", "contact", "person", "lead", "prospect", "mailing", "billing",
             "customer", "client", "your", "primary", "work", "business")

_PHONE_RE = re.compile(r"phone|mobile|cell|^tel|directdial|directline|switchboard|mainline|"
                       r"landline|handy")
_NOT_PHONE_RE = re.compile(r"note|type|fax|status|optout|donotcall|dnc|valid|verified|carrier|"
                           r"consent|count|date|extension|^ext$|country|tree|telegram")
_EMAIL_RE = re.compile(r"^e?mail|email")
_NOT_EMAIL_RE = re.compile(r"optout|status|bounce|domain|open|unsub|date|count|verified|type|"
                           r"subscri|click|reply|replie|sent|deliver|campaign|mailing|voicemail")

# Columns only a dialer-tui export carries; with all of them present the file is one of ours and
# the bookkeeping columns are skipped instead of landing in custom_fields.
EXPORT_SIGNATURE = frozenset({"email_key", "name_key", "queue_rank"})
EXPORT_BOOKKEEPING = frozenset({
    "id", "email_key", "name_key", "status", "queue_rank", "queue_due_at", "first_touch_at",
    "last_attempt_at", "attempts", "cadence_step", "claimed_by", "claim_expires_at",
    "referrer_prospect_id", "created_at", "updated_at", "recycle_at"})


def header_key(header: str) -> str:
    """'Contact: First Name' -> 'contactfirstname'."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())


def phone_kind(key: str) -> str:
    """The PhoneNumber.kind a column name implies."""
    if re.search(r"mobile|cell|handy|portable", key):
        return "mobile"
    if "direct" in key:
        return "direct"
    if "assistant" in key:
        return "assistant"
    if re.search(r"home|personal|private", key):
        return "home"
    return "office"


@dataclass
class HeaderMap:
    """Which column feeds what. Indexes are positions in the CSV row."""

    fields: dict[str, list[int]] = field(default_factory=dict)  # prospect field -> columns
    phones: list[tuple[int, str]] = field(default_factory=list)  # (column, kind)
    emails: list[int] = field(default_factory=list)
    custom: list[int] = field(default_factory=list)  # unknown columns -> custom_fields
    ignored: list[int] = field(default_factory=list)  # our own export's bookkeeping
    other_phones: int | None = None  # our export's "other_phones": "; "-joined, "(kind)" tagged
    ours: bool = False  # a dialer-tui export: values are taken exactly as written

    @property
    def usable(self) -> bool:
        return bool(self.phones or self.emails)


def _field_for(key: str) -> str | None:
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in _SYNONYMS:
            return _SYNONYMS[key[len(prefix):]]
    return None


def map_headers(headers: list[str]) -> HeaderMap:
    ours = EXPORT_SIGNATURE <= set(headers)
    hmap = HeaderMap(ours=ours)
    for i, header in enumerate(headers):
        key = header_key(header)
        if ours and header in EXPORT_BOOKKEEPING:
            hmap.ignored.append(i)
        elif ours and header == "other_phones":
            hmap.other_phones = i
        elif (name := _field_for(key)) is not None:
            hmap.fields.setdefault(name, []).append(i)
        elif _PHONE_RE.search(key) and not _NOT_PHONE_RE.search(key):
            hmap.phones.append((i, phone_kind(key)))
        elif _EMAIL_RE.search(key) and not _NOT_EMAIL_RE.search(key):
            hmap.emails.append(i)
        else:
            hmap.custom.append(i)
    return hmap


# Country names and codes as CRMs write them -> ISO 3166 alpha-2. Other alpha-2 codes that
# phonenumbers knows are accepted as they are (see `country_code`).
_COUNTRIES = {
    "US": "united states|united states of america|usa|us|u s a|u s|america|etats unis",
    "CA": "canada|can",
    "GB": "united kingdom|uk|u k|great britain|britain|england|scotland|wales|northern ireland|"
          "gbr|gb",
    "IE": "ireland|republic of ireland|eire|irl",
    "DE": "germany|deutschland|allemagne|deu|ger",
    "FR": "france|fra|frankreich",
    "ES": "spain|espana|españa|esp", "IT": "italy|italia|ita", "NL": "netherlands|holland|nld|"
    "the netherlands|nederland", "BE": "belgium|belgique|belgie|bel", "CH": "switzerland|schweiz|"
    "suisse|che", "AT": "austria|osterreich|österreich|aut", "PT": "portugal|prt",
    "SE": "sweden|sverige|swe", "NO": "norway|norge|nor", "DK": "denmark|danmark|dnk",
    "FI": "finland|suomi|fin", "PL": "poland|polska|pol", "AU": "australia|aus",
    "NZ": "new zealand|nzl", "MX": "mexico|méxico|mex", "BR": "brazil|brasil|bra",
    "IN": "india|ind", "JP": "japan|jpn", "CN": "china|chn", "SG": "singapore|sgp",
    "ZA": "south africa|zaf", "IL": "israel|isr", "AE": "united arab emirates|uae|are",
}
_COUNTRY_LOOKUP = {name: code for code, names in _COUNTRIES.items() for name in names.split("|")}


@lru_cache(maxsize=1024)
def country_code(text: str) -> str | None:
    """'United Kingdom', 'uk', 'GBR', 'gb' -> 'GB'; None when not recognised."""
    import phonenumbers

    key = " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())
    if key in _COUNTRY_LOOKUP:
        return _COUNTRY_LOOKUP[key]
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
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


# What people type in a spreadsheet's time-zone column instead of an IANA name.
_TZ_ALIASES = {
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "eastern": "America/New_York", "ct": "America/Chicago", "cst": "America/Chicago",
    "cdt": "America/Chicago", "central": "America/Chicago", "mt": "America/Denver",
    "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "akst": "America/Anchorage", "alaska": "America/Anchorage",
    "hst": "Pacific/Honolulu", "hawaii": "Pacific/Honolulu", "arizona": "America/Phoenix",
}


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


def split_name(full: str) -> tuple[str, str]:
    """'Dr. Jane A. Smith' -> ('Jane', 'A. Smith'); 'Smith, Jane' -> ('Jane', 'Smith')."""
    full = " ".join(full.split())
    if "," in full:
        left, _, right = full.partition(",")
        if right.strip().strip(".").casefold() not in _SUFFIXES and left and right.strip():
            full = f"{right.strip()} {left.strip()}"
    parts = full.split(" ")
    while len(parts) > 1 and parts[0].rstrip(".").casefold() in _HONORIFICS:
        parts.pop(0)
    return parts[0], " ".join(parts[1:])


def split_referrer(text: str) -> tuple[str, str]:
    """'Sam Patel (Northwind)', 'Sam Patel at Northwind', 'Sam Patel, Northwind' -> name, company."""
    m = (re.fullmatch(r"(.+?)\s*\((.+)\)", text) or re.fullmatch(r"(.+?)\s+(?:at|@)\s+(.+)", text)
         or re.fullmatch(r"(\S+\s+\S.*?),\s*(.+)", text))
    return (m.group(1).strip(), m.group(2).strip()) if m else (text, "")


class FastPhoneParser:
    """`domain.phones.parse_phone`'s answer for bulk imports, at a third of its cost.

    parse_phone works out the number's region four times and parses the E.164 form again for the
    time zones; at 100k rows that is most of an import. This asks phonenumbers once for each
    fact, with the same rules (tests/store/test_import.py checks both agree). Returns
    (e164, extension, number_type, time_zones) for a valid number, else the reason as a str."""

    def __init__(self) -> None:
        import phonenumbers
        from phonenumbers import phonenumberutil as pnu
        from phonenumbers import timezone as pn_tz
        from phonenumbers.phonemetadata import PhoneMetadata

        from dialer_tui.domain import phones

        self._pn, self._pnu, self._tz, self._md = phonenumbers, pnu, pn_tz, PhoneMetadata
        self._domain = phones
        self._unknown = phonenumbers.PhoneNumberType.UNKNOWN

    def parse(self, raw: str, region: str) -> tuple[str, str, str, str] | str:
        pn, pnu, dp = self._pn, self._pnu, self._domain
        text = raw.strip()
        if not text:
            return "empty phone number"
        if len(text) > 64:
            return "too long to be a phone number"
        body, ext = dp._split_extension(text)
        if body.startswith("00") and not body.startswith("000"):
            body = "+" + body[2:]
        try:
            num = pn.parse(body, region.upper())
        except pn.NumberParseException as exc:
            return dp._parse_reason(exc)
        if num.extension and not ext:
            ext = num.extension
        cc, rc, ntype = num.country_code, pnu.region_code_for_number(num), self._unknown
        if rc is not None:  # is_valid_number and number_type in one pass
            md = self._md.metadata_for_region_or_calling_code(cc, rc)
            if md is not None and (rc == pnu.REGION_CODE_FOR_NON_GEO_ENTITY
                                   or cc == pnu.country_code_for_valid_region(rc)):
                ntype = pnu._number_type_helper(pnu.national_significant_number(num), md)
        if ntype == self._unknown:
            if not pn.is_possible_number(num):
                return f"not a possible number for {rc or region}"
            return "not a valid number"
        if pnu.is_number_type_geographical(ntype, cc):
            zones = self._tz.time_zones_for_geographical_number(num)
        else:
            zones = self._tz.time_zones_for_number(num)
        zones = [z for z in zones if z != "Etc/Unknown"]
        zone_text = " ".join(sorted(zones)) if len(zones) <= dp.MAX_MEANINGFUL_ZONES else ""
        return (pn.format_number(num, pn.PhoneNumberFormat.E164), ext,
                dp._TYPE_NAMES.get(ntype, "unknown"), zone_text)
