"""Which column of a CSV is which: header names (any case, accent or punctuation, in the
languages of dialer_tui/data/header_synonyms.yaml) to prospect fields, phone columns and their
kind, and email columns; `import --map` wins. Pure: no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dialer_tui.config import HeaderSynonyms, find_file, load_header_synonyms
from dialer_tui.errors import ConfigError

# Columns only a dialer-tui export carries; with all of them present the file is one of ours and
# the bookkeeping columns are skipped instead of landing in custom_fields.
EXPORT_SIGNATURE = frozenset({"email_key", "name_key", "queue_rank"})
EXPORT_BOOKKEEPING = frozenset({
    "id", "email_key", "name_key", "status", "queue_rank", "queue_due_at", "first_touch_at",
    "last_attempt_at", "attempts", "cadence_step", "claimed_by", "claim_expires_at",
    "referrer_prospect_id", "created_at", "updated_at", "recycle_at", "version",
    "queue_owner"})


def header_key(header: str) -> str:
    """'Contact: First Name' -> 'contactfirstname'; 'Téléphone' -> 'telephone' (accents off)."""
    folded = unicodedata.normalize("NFKD", header.casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def _alternation(words, *, anchored: bool = False) -> str:
    """A regex matching any of `words` (folded), longest first; one that never matches when a
    user's file leaves the list empty (an empty pattern would match every header)."""
    keys = sorted({header_key(w) for w in words if header_key(w)}, key=len, reverse=True)
    return "|".join(("^" if anchored else "") + re.escape(k) for k in keys) or "(?!)"


_NOT_PHONE_RE = re.compile(r"note|type|fax|status|optout|donotcall|dnc|valid|verified|carrier|"
                           r"consent|count|date|extension|^ext$|country|tree|telegram")
_NOT_EMAIL_RE = re.compile(r"optout|status|bounce|domain|open|unsub|date|count|verified|type|"
                           r"subscri|click|reply|replie|sent|deliver|campaign|mailing|voicemail")


@dataclass(frozen=True)
class Vocabulary:
    """header_synonyms.yaml compiled for matching: folded header keys -> fields."""

    fields: dict[str, str]
    first_or_full: frozenset[str]
    last_or_full: frozenset[str]
    prefixes: tuple[str, ...]
    phone: re.Pattern
    kinds: tuple[tuple[str, re.Pattern], ...]
    email: re.Pattern

    @classmethod
    def of(cls, syn: HeaderSynonyms, path: Path | str = "header_synonyms.yaml") -> Vocabulary:
        fields: dict[str, str] = {}
        for name, langs in syn.fields.items():
            for lang, heads in langs.items():
                for h in heads:
                    if fields.setdefault(header_key(h), name) != name:
                        raise ConfigError(path, f"{h!r} is listed under both "
                                          f"{fields[header_key(h)]} and {name}",
                                          key=f"fields.{name}.{lang}")
        phone = (_alternation(syn.phone_words) + "|"
                 + _alternation(syn.phone_prefixes, anchored=True))
        return cls(fields, frozenset(map(header_key, syn.first_or_full)),
                   frozenset(map(header_key, syn.last_or_full)),
                   tuple(sorted({header_key(p) for p in syn.prefixes}, key=len, reverse=True)),
                   re.compile(phone),
                   tuple((kind, re.compile(_alternation(words)))
                         for kind, words in syn.phone_kinds.items()),
                   re.compile(_alternation(syn.email_words)))

    def field_for(self, key: str) -> str | None:
        if key in self.fields:
            return self.fields[key]
        for prefix in self.prefixes:
            if key.startswith(prefix) and key[len(prefix):] in self.fields:
                return self.fields[key[len(prefix):]]
        return None

    def phone_kind(self, key: str) -> str:
        """The PhoneNumber.kind a column name implies."""
        return next((kind for kind, pattern in self.kinds if pattern.search(key)), "office")

    def near_miss(self, key: str) -> str | None:
        """The field a mistyped header probably means ("Emial" -> email), if any."""
        import difflib

        words = {**self.fields, "email": "email", "phone": "phone", "mobile": "phone"}
        close = difflib.get_close_matches(key, list(words), n=1, cutoff=0.75)
        return words[close[0]] if close else None


@lru_cache(maxsize=8)
def vocabulary(cfg_dir: Path | None = None) -> Vocabulary:
    """The shipped header_synonyms.yaml, or the user's in `cfg_dir`; ConfigError if broken."""
    return Vocabulary.of(load_header_synonyms(cfg_dir),
                         find_file("header_synonyms.yaml", cfg_dir))


@dataclass
class HeaderMap:
    """Which column feeds what. Indexes are positions in the CSV row."""

    fields: dict[str, list[int]] = field(default_factory=dict)  # prospect field -> columns
    phones: list[tuple[int, str]] = field(default_factory=list)  # (column, kind)
    emails: list[int] = field(default_factory=list)
    custom: list[int] = field(default_factory=list)  # unknown columns -> custom_fields
    other_phones: int | None = None  # our export's "other_phones": "; "-joined, "(kind)" tagged
    ours: bool = False  # a dialer-tui export: values are taken exactly as written
    columns: dict[str, str | None] = field(default_factory=dict)  # header -> what it became
    near: dict[str, str] = field(default_factory=dict)  # unmapped header -> field it resembles

    @property
    def usable(self) -> bool:
        return bool(self.phones or self.emails)


def map_headers(headers: list[str], vocab: Vocabulary | None = None,
                manual: dict[str, str] | None = None) -> HeaderMap:
    """Which column feeds what. `manual` ({header: field}, from `import --map`) wins over the
    vocabulary; its fields may also be "email", "phone" (or a phone kind) and "ignore"."""
    vocab = vocab or vocabulary()
    manual = {header_key(h): f for h, f in (manual or {}).items()}
    ours = EXPORT_SIGNATURE <= set(headers)
    hmap = HeaderMap(ours=ours)
    either: list[tuple[int, str]] = []  # "Nombre": a first name beside "Apellidos", else full
    for i, header in enumerate(headers):
        key = header_key(header)
        wanted = manual.get(key)
        if ours and header in EXPORT_BOOKKEEPING:
            continue
        if wanted == "ignore":
            hmap.columns[header] = None
        elif wanted in ("email", "phone", *PHONE_KINDS):
            _add_contact(hmap, i, header, wanted, vocab.phone_kind(key))
        elif wanted is not None:
            hmap.fields.setdefault(wanted, []).append(i)
            hmap.columns[header] = wanted
        elif ours and header == "other_phones":
            hmap.other_phones = i
            hmap.columns[header] = "phone"
        elif (name := vocab.field_for(key)) is not None:
            hmap.fields.setdefault(name, []).append(i)
            hmap.columns[header] = name
        elif key in vocab.first_or_full or key in vocab.last_or_full:
            either.append((i, "first_name" if key in vocab.first_or_full else "last_name"))
        elif vocab.phone.search(key) and not _NOT_PHONE_RE.search(key):
            _add_contact(hmap, i, header, "phone", vocab.phone_kind(key))
        elif vocab.email.search(key) and not _NOT_EMAIL_RE.search(key):
            _add_contact(hmap, i, header, "email", "")
        else:
            hmap.custom.append(i)
            hmap.columns[header] = None
            if (guess := vocab.near_miss(key)) is not None:
                hmap.near[header] = guess
    for i, name in either:
        partner = "last_name" if name == "first_name" else "first_name"
        name = name if partner in hmap.fields else "full_name"
        hmap.fields.setdefault(name, []).append(i)
        hmap.columns[headers[i]] = name
    hmap.columns = {h: hmap.columns[h] for h in headers if h in hmap.columns}  # file order
    return hmap


PHONE_KINDS = ("mobile", "direct", "office", "assistant", "home")


def _add_contact(hmap: HeaderMap, i: int, header: str, what: str, kind: str) -> None:
    if what == "email":
        hmap.emails.append(i)
        hmap.columns[header] = "email"
    else:
        kind = what if what in PHONE_KINDS else kind
        hmap.phones.append((i, kind))
        hmap.columns[header] = f"phone ({kind})"
