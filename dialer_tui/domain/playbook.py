"""The sales playbook (data/playbook.yaml): strict models and the checks beyond schema.

A typo in a user's copy ({frist_name}, a stray brace, a missing `default` persona) is found by
playbook_problems(); services/bundle.py, which reads the file, raises it as a ConfigError naming
file, line and key (also for `dialer-tui check`), so a rep never reads "{frist_name}" aloud in
the middle of a voicemail.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

# Filled by the caller: the prospect's dossier, the rep's settings, the cadence's next attempt.
PROSPECT_PLACEHOLDERS: frozenset[str] = frozenset({
    "first_name", "last_name", "title", "company", "industry", "city",
    "referrer_name", "referrer_company", "assistant_name",
    "rep_name", "rep_company", "rep_mobile", "next_attempt",
})
# Filled by the script builder from the chosen persona and proof story. Persona texts may not use
# these: they are what the persona texts become.
DERIVED_PLACEHOLDERS: frozenset[str] = frozenset({
    "value_reason_1", "value_reason_2", "wiifm", "ask", "client", "client_work", "client_result",
})
PLACEHOLDERS: frozenset[str] = PROSPECT_PLACEHOLDERS | DERIVED_PLACEHOLDERS

# The cockpit chooses among these by step and referrer (scripts.choose_voicemail).
REQUIRED_VOICEMAILS = ("value", "reference", "promise", "breakup")

# The only placeholder syntax: no attribute access, indexing or format specs, on purpose.
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_ID_RE = re.compile(r"[a-z_][a-z0-9_]*\Z")
# What is left of a brace once the valid placeholders are blanked out: reported as malformed.
_STRAY_BRACE_RE = re.compile(r"\{[^{}\n]{0,40}\}?|\}")

Text = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ValueProp(_Strict):
    """The 20-second commercial: 1-3 reasons, what's in it for them, the action wanted."""

    reasons: tuple[Text, ...] = Field(min_length=1, max_length=3)
    wiifm: Text
    ask: Text


class Proof(_Strict):
    """"We have a long-term relationship with {client}, providing {client_work}." (seed 004)"""

    client: Text
    work: Text
    result: Text  # what it did for them: the reason a prospect cares about the story


class Persona(_Strict):
    label: str = ""
    match: tuple[Text, ...] = ()
    value_prop: ValueProp
    proof: tuple[Proof, ...] = ()
    _id: str = PrivateAttr(default="")

    @property
    def id(self) -> str:
        """The key this persona has under `personas:`."""
        return self._id


class Message(_Strict):
    """A written touch (email, LinkedIn note, letter) that a cadence step names by id."""

    channel: Literal["email", "linkedin", "letter"]
    subject: str = ""
    text: Text


class Lines(_Strict):
    opener: Text
    reference_opener: Text
    gatekeeper: Text
    ask_mobile: Text
    ask_time: Text
    proof: Text


class Objection(_Strict):
    title: Text
    triggers: tuple[Text, ...] = ()
    answer: Text


class Playbook(_Strict):
    personas: dict[str, Persona] = Field(min_length=1)
    voicemails: dict[str, Text]
    messages: dict[str, Message] = {}
    lines: Lines
    objections: dict[str, Objection] = {}

    @model_validator(mode="after")
    def _name_personas(self) -> Playbook:
        for key, persona in self.personas.items():
            persona._id = key
        return self


def template_ids(pb: Playbook) -> set[str]:
    """Every id a cadence step may name: the voicemails and the written messages."""
    return set(pb.voicemails) | set(pb.messages)


def template_problems(text: str, allowed: frozenset[str] = PLACEHOLDERS) -> list[tuple[str, str]]:
    """(offending token, message) for each unknown placeholder or malformed brace, in text order."""
    found: list[tuple[int, str, str]] = []
    for m in PLACEHOLDER_RE.finditer(text):
        if m.group(1) not in allowed:
            msg = f"unknown placeholder {m.group(0)}"
            close = difflib.get_close_matches(m.group(1), sorted(allowed), n=1)
            if close:
                msg += f" (did you mean {{{close[0]}}}?)"
            found.append((m.start(), m.group(0), msg))
    # Blank the valid ones out (same length, so offsets hold) and look at what braces remain.
    blanked = PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text)
    for m in _STRAY_BRACE_RE.finditer(blanked):
        token = text[m.start():m.end()]
        found.append((m.start(), token,
                      f"malformed placeholder {token!r}: write {{name}} with a-z, 0-9 and _ only"))
    return [(token, msg) for _, token, msg in sorted(found)]


Problem = tuple[tuple[Any, ...], str | None, str]  # (key path, token to point at, message)


def _texts(pb: Playbook) -> Iterator[tuple[tuple[Any, ...], str, frozenset[str]]]:
    """Every template string with its key path and the placeholders allowed there."""
    for pid, persona in pb.personas.items():
        base = ("personas", pid)
        for i, reason in enumerate(persona.value_prop.reasons):
            yield (*base, "value_prop", "reasons", i), reason, PROSPECT_PLACEHOLDERS
        yield (*base, "value_prop", "wiifm"), persona.value_prop.wiifm, PROSPECT_PLACEHOLDERS
        yield (*base, "value_prop", "ask"), persona.value_prop.ask, PROSPECT_PLACEHOLDERS
        for i, proof in enumerate(persona.proof):
            for field in ("client", "work", "result"):
                yield (*base, "proof", i, field), getattr(proof, field), PROSPECT_PLACEHOLDERS
    for vid, text in pb.voicemails.items():
        yield ("voicemails", vid), text, PLACEHOLDERS
    for mid, msg in pb.messages.items():
        yield ("messages", mid, "subject"), msg.subject, PLACEHOLDERS
        yield ("messages", mid, "text"), msg.text, PLACEHOLDERS
    for name in Lines.model_fields:
        yield ("lines", name), getattr(pb.lines, name), PLACEHOLDERS
    for oid, obj in pb.objections.items():
        yield ("objections", oid, "answer"), obj.answer, PLACEHOLDERS


def playbook_problems(pb: Playbook) -> list[Problem]:
    """Everything wrong that the schema cannot see; empty when the playbook is usable."""
    problems: list[Problem] = []
    if "default" not in pb.personas:
        problems.append((("personas",), None,
                         "a `default` persona is required (used when no industry matches)"))
    missing = [v for v in REQUIRED_VOICEMAILS if v not in pb.voicemails]
    if missing:
        problems.append((("voicemails",), None,
                         f"missing required voicemail(s): {', '.join(missing)}"))
    for section in ("personas", "voicemails", "messages", "objections"):
        for key in getattr(pb, section):
            if not _ID_RE.match(key):
                problems.append(((section, key), None,
                                 f"id {key!r} must be lowercase letters, digits and _"))
    for key in sorted(set(pb.voicemails) & set(pb.messages)):
        problems.append((("messages", key), None,
                         f"id {key!r} is also a voicemail id; template ids must be unique"))
    promise = pb.voicemails.get("promise", "")
    if promise and "{next_attempt}" not in promise:
        # The app records the promise it makes; a promise voicemail that names no time is a lie.
        problems.append((("voicemails", "promise"), None,
                         "the promise voicemail must say when: include {next_attempt}"))
    for loc, text, allowed in _texts(pb):
        for token, msg in template_problems(text, allowed):
            if token[1:-1] in PLACEHOLDERS and allowed is PROSPECT_PLACEHOLDERS:
                msg = (f"{token} cannot be used here: persona texts may use only the prospect's "
                       f"and the rep's placeholders")
            problems.append((loc, token, msg))
    return problems


def promises(pb: Playbook, template_id: str) -> bool:
    """Whether a voicemail left with this template promised the next attempt: its text names it
    ({next_attempt}). No template (a touch logged from the command line) is taken at the rep's
    word, as a voicemail that promised."""
    text = pb.voicemails.get(template_id) if template_id else None
    return text is None or "{next_attempt}" in text
