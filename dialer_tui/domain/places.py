"""Places: country and state/province names -> IANA zones (the `zones:` tables of
data/calling_rules.yaml, ZoneTable, and the look-ups over them, ZoneIndex), and cached ZoneInfo
objects (get_zone).

One of the building blocks of calling hours; regions.py re-exports these names, so callers
import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

UTC = timezone.utc

_ZONES: dict[str, ZoneInfo | None] = {}


def get_zone(name: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, None when unknown; cached because construction is not free."""
    try:
        return _ZONES[name]
    except KeyError:
        pass
    try:
        zi: ZoneInfo | None = ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):  # typed by a user: anything goes
        zi = None
    _ZONES[name] = zi
    return zi


def _check_zone(name: str) -> str:
    if get_zone(name) is None:
        raise ValueError(f"unknown IANA time zone {name!r}")
    return name


ZoneName = Annotated[str, AfterValidator(_check_zone)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

# Two instants half a year apart: zones with equal offsets at both keep the same clock.
_PROBES = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


@lru_cache(maxsize=4096)
def equivalent(a: str, b: str) -> bool:
    """Whether two zone names keep the same clock (America/Detroit vs America/New_York).

    Used to decide whether the phone and the address disagree; not for judging calls."""
    if a == b:
        return True
    za, zb = get_zone(a), get_zone(b)
    if za is None or zb is None:
        return False
    return all(p.astimezone(za).utcoffset() == p.astimezone(zb).utcoffset() for p in _PROBES)


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    zones: list[ZoneName] = Field(min_length=1)  # first is the primary zone


class ZoneTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: dict[CountryCode, Place]
    regions: dict[CountryCode, dict[str, Place]] = {}


@dataclass(frozen=True)
class Region:
    country: str  # ISO alpha-2
    code: str  # "FL", "ON"
    name: str
    zones: tuple[str, ...]


def _key(text: str) -> str:
    # "Florida", " florida ", "FLORIDA" and "Washington D.C." vs "washington dc" all meet here.
    return " ".join(text.replace(".", "").split()).casefold()


class ZoneIndex:
    """Look-ups over a ZoneTable, built once per loaded rules file."""

    def __init__(self, table: ZoneTable) -> None:
        self._countries: dict[str, tuple[str, ...]] = {}
        self._country_keys: dict[str, str] = {}
        self._zone_country: dict[str, str] = {}
        for code, place in table.countries.items():
            self._countries[code] = tuple(place.zones)
            for k in (code, place.name, *place.aliases):
                self._country_keys.setdefault(_key(k), code)
            for z in place.zones:
                self._zone_country.setdefault(z, code)
        # Per country, and a combined one (first country wins) for when the country is not given.
        self._regions: dict[str, dict[str, Region]] = {}
        self._any_region: dict[str, Region] = {}
        for country, places in table.regions.items():
            found = self._regions.setdefault(country, {})
            for code, place in places.items():
                region = Region(country, code, place.name, tuple(place.zones))
                for k in (code, place.name, *place.aliases):
                    found.setdefault(_key(k), region)
                    self._any_region.setdefault(_key(k), region)
                for z in place.zones:
                    self._zone_country.setdefault(z, country)

    def country_code(self, text: str) -> str:
        """ISO code for a code or name ("de", "Germany"); unknown 2-letter codes pass through."""
        k = _key(text)
        if not k:
            return ""
        code = self._country_keys.get(k)
        if code:
            return code
        return k.upper() if len(k) == 2 and k.isalpha() else ""

    def region(self, text: str, country: str = "") -> Region | None:
        """The state/province named by `text` (code or name), within `country` when given."""
        k = _key(text)
        if not k:
            return None
        if country:
            return self._regions.get(country, {}).get(k)
        return self._any_region.get(k)

    def country_zones(self, code: str) -> tuple[str, ...]:
        return self._countries.get(code, ())

    def country_of_zone(self, zone: str) -> str:
        return self._zone_country.get(zone, "")
