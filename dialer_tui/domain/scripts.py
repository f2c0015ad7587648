"""What the rep says to this prospect now: persona, voicemail, proof story, lines, objections.

Pure: the playbook and the dossier's values come in, plain frozen data goes out. Rendering is a
one-pass `{name}` substitution, never str.format: a template cannot reach attributes or pad to a
gigabyte, and a value is inserted as data (a company called "{first_name}" or "[bold]" stays
exactly that). The output is plain text, not markup; the UI must show it literally.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from dialer_tui.domain.playbook import (
    DERIVED_PLACEHOLDERS,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    REQUIRED_VOICEMAILS,
    Persona,
    Playbook,
    Proof,
    template_ids,
)

__all__ = [
    "PLACEHOLDERS", "REQUIRED_VOICEMAILS", "VOICEMAIL_TARGET_S", "VOICEMAIL_WARN_S",
    "ObjectionAnswer", "Playbook", "Rendered", "RenderedMessage", "Script", "ValuePropText",
    "build_script", "choose_voicemail", "filter_objections", "marker",
    "persona_for", "proof_for", "render", "render_message", "speaking_seconds", "template_ids",
]

VOICEMAIL_TARGET_S = 20  # the "20-second radio commercial" (seed 002)
VOICEMAIL_WARN_S = 30


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    missing: tuple[str, ...] = ()  # placeholder names that had no value, in order of appearance


def marker(name: str) -> str:
    """What a missing value shows as: visible to the rep, never read aloud as a blank."""
    return f"[{name.replace('_', ' ')}?]"


# With no first name on file the greeting stays neutral ("Hi, it's Sam..."), never "Hi ,"
# nor a marker read aloud; a name addressed mid-sentence ("Fair enough, {first_name}.") goes.
_GREETING = re.compile(r"\b(Hi|Hello|Hey|Good morning|Good afternoon|Dear) \{first_name\}")
_ADDRESSED = re.compile(r",\s*\{first_name\}(?=[.!?,:;])")


def render(template: str, values: Mapping[str, str]) -> Rendered:
    """Fill `{name}` placeholders from `values`; anything else in the template stays literal."""
    missing: list[str] = []
    if not str(values.get("first_name") or "").strip() and "{first_name}" in template:
        template = _ADDRESSED.sub("", _GREETING.sub(r"\1", template))
        missing.append("first_name")  # still said: the rep may ask for it

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        value = values.get(name)
        if value is None or not str(value).strip():
            if name not in missing:
                missing.append(name)
            return marker(name)
        return str(value)  # a function's return value is used verbatim by re.sub: no escapes

    return Rendered(PLACEHOLDER_RE.sub(fill, template), tuple(missing))


def _render_nested(template: str, values: Mapping[str, str],
                   inner_missing: Mapping[str, tuple[str, ...]]) -> Rendered:
    """render(), also reporting what was missing inside the derived values the template used."""
    out = render(template, values)
    missing = list(out.missing)
    for name in PLACEHOLDER_RE.findall(template):
        for m in inner_missing.get(name, ()):
            if m not in missing:
                missing.append(m)
    return Rendered(out.text, tuple(missing))


# A phone number is read digit by digit; other numbers ("12", "2024") are read as words.
_PHONEISH_RE = re.compile(r"\+?\d[\d\s().\-]*\d")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_PHONE_MIN_DIGITS = 7


def speaking_seconds(text: str, words_per_minute: int = 150) -> float:
    """Estimated time to say `text` aloud at a calm voicemail pace.

    Words count one each; a phone number counts one per digit; a shorter number counts one per
    two digits ("twelve", "twenty twenty-four")."""
    words = 0
    rest = []
    pos = 0
    for m in _PHONEISH_RE.finditer(text):
        digits = re.findall(r"\d+", m.group(0))
        if sum(len(d) for d in digits) >= _PHONE_MIN_DIGITS:
            words += sum(len(d) for d in digits)
        else:
            words += sum(math.ceil(len(d) / 2) for d in digits)
        rest.append(text[pos:m.start()])
        pos = m.end()
    rest.append(text[pos:])
    words += sum(len(_WORD_RE.findall(part)) for part in rest)
    return words * 60.0 / max(1, words_per_minute)


def choose_voicemail(pb: Playbook, *, has_referrer: bool, step_index: int, total_steps: int,
                     voicemails_left: int, is_last_step: bool, has_next_step: bool) -> str:
    """The voicemail template id for this attempt.

    `step_index` counts cadence steps from 0; `voicemails_left` counts the voicemails the cadence
    still plans, this one included. The first is `reference` when someone referred us, else
    `value`; the last step (or the last voicemail planned, after the first) is `breakup`; the
    ones between promise the next attempt when there is one.
    """
    first = "reference" if has_referrer else "value"
    if step_index <= 0:
        return first
    if is_last_step or step_index >= total_steps - 1 or voicemails_left <= 1:
        return "breakup"
    return "promise" if has_next_step else first


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def persona_for(pb: Playbook, industry: str) -> Persona:
    """The persona whose `match` phrase occurs (as whole words) in `industry`; longest phrase wins,
    then file order; `default` when nothing matches."""
    padded = " " + " ".join(_words(industry or "")) + " "
    best: Persona | None = None
    best_len = 0
    for pid, persona in pb.personas.items():
        for phrase in (pid.replace("_", " "), *persona.match):
            words = " ".join(_words(phrase))
            if words and f" {words} " in padded and len(words) > best_len:
                best, best_len = persona, len(words)
    return best or pb.personas["default"]


def proof_for(pb: Playbook, persona: Persona, seed: int) -> Proof | None:
    """One of this persona's own proof stories (never another industry's client), stable per
    seed (e.g. the prospect id), so a prospect hears the same story on every call."""
    if not persona.proof:
        return None
    return persona.proof[seed % len(persona.proof)]


def filter_objections(pb: Playbook, query: str) -> list[str]:
    """Objection ids, in file order, whose title/trigger/id words start with every query word."""
    wanted = _words(query)
    out = []
    for oid, obj in pb.objections.items():
        words = set(_words(" ".join((obj.title, oid.replace("_", " "), *obj.triggers))))
        if all(any(w.startswith(q) for w in words) for q in wanted):
            out.append(oid)
    return out


@dataclass(frozen=True, slots=True)
class ValuePropText:
    persona: str  # persona id
    label: str
    text: Rendered  # reasons, then what's in it for them, then the ask


class ObjectionAnswer(NamedTuple):
    id: str
    title: str
    answer: Rendered


@dataclass(frozen=True, slots=True)
class Script:
    opener: Rendered
    value_prop: ValuePropText
    voicemail_id: str
    voicemail: Rendered
    voicemail_seconds: float
    proof: Rendered | None  # None when the persona has no proof stories
    gatekeeper: Rendered
    ask_mobile: Rendered
    ask_time: Rendered
    objections: tuple[ObjectionAnswer, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Every placeholder without a value anywhere in the script (what to ask or look up)."""
        parts = [self.opener, self.value_prop.text, self.voicemail, self.gatekeeper,
                 self.ask_mobile, self.ask_time, *(o.answer for o in self.objections)]
        if self.proof is not None:
            parts.append(self.proof)
        return tuple(dict.fromkeys(m for p in parts for m in p.missing))


@dataclass(frozen=True, slots=True)
class _Context:
    persona: Persona
    proof: Proof | None
    values: dict[str, str]
    inner_missing: dict[str, tuple[str, ...]]
    value_prop: Rendered

    def render(self, template: str) -> Rendered:
        return _render_nested(template, self.values, self.inner_missing)


def _context(pb: Playbook, values: Mapping[str, str], industry: str, seed: int) -> _Context:
    """The caller's values plus the persona's texts and proof story, each rendered once."""
    persona = persona_for(pb, industry)
    proof = proof_for(pb, persona, seed)
    base = {k: v for k, v in values.items() if k not in DERIVED_PLACEHOLDERS}
    vp = persona.value_prop
    reasons = [render(r, base) for r in vp.reasons]
    derived = {
        "value_reason_1": reasons[0],
        "value_reason_2": reasons[1 % len(reasons)],  # one reason only: say it again
        "wiifm": render(vp.wiifm, base),
        "ask": render(vp.ask, base),
    }
    if proof is not None:
        derived.update(client=render(proof.client, base), client_work=render(proof.work, base),
                       client_result=render(proof.result, base))
    full = dict(base)
    full.update({k: r.text for k, r in derived.items()})
    parts = [*reasons, derived["wiifm"], derived["ask"]]
    vp_text = Rendered(" ".join(p.text for p in parts),
                       tuple(dict.fromkeys(m for p in parts for m in p.missing)))
    return _Context(persona, proof, full, {k: r.missing for k, r in derived.items()}, vp_text)


def build_script(pb: Playbook, values: Mapping[str, str], *, industry: str, has_referrer: bool,
                 step_index: int, total_steps: int, voicemails_left: int, seed: int = 0) -> Script:
    """Everything the script pane shows for one prospect at one cadence step.

    `values` holds the prospect's, the rep's and the cadence's placeholders (see
    playbook.PROSPECT_PLACEHOLDERS); `seed` (e.g. the prospect id) picks the proof story stably."""
    ctx = _context(pb, values, industry, seed)
    is_last = step_index >= total_steps - 1
    vm_id = choose_voicemail(pb, has_referrer=has_referrer, step_index=step_index,
                             total_steps=total_steps, voicemails_left=voicemails_left,
                             is_last_step=is_last, has_next_step=not is_last)
    voicemail = ctx.render(pb.voicemails[vm_id])
    lines = pb.lines
    return Script(
        opener=ctx.render(lines.reference_opener if has_referrer else lines.opener),
        value_prop=ValuePropText(ctx.persona.id, ctx.persona.label or ctx.persona.id,
                                 ctx.value_prop),
        voicemail_id=vm_id,
        voicemail=voicemail,
        voicemail_seconds=speaking_seconds(voicemail.text),
        proof=ctx.render(lines.proof) if ctx.proof is not None else None,
        gatekeeper=ctx.render(lines.gatekeeper),
        ask_mobile=ctx.render(lines.ask_mobile),
        ask_time=ctx.render(lines.ask_time),
        objections=tuple(ObjectionAnswer(oid, obj.title, ctx.render(obj.answer))
                         for oid, obj in pb.objections.items()),
    )


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    id: str
    channel: str  # "voicemail", "email", "linkedin", "letter"
    subject: Rendered | None
    text: Rendered


def render_message(pb: Playbook, template_id: str, values: Mapping[str, str], *, industry: str,
                   seed: int = 0) -> RenderedMessage:
    """Any template a cadence step names (voicemail or written message), filled for a prospect.

    Raises KeyError for an unknown id (`dialer-tui check` catches those in cadences first)."""
    ctx = _context(pb, values, industry, seed)
    if template_id in pb.voicemails:
        return RenderedMessage(template_id, "voicemail", None,
                               ctx.render(pb.voicemails[template_id]))
    msg = pb.messages[template_id]
    return RenderedMessage(template_id, msg.channel,
                           ctx.render(msg.subject) if msg.subject else None, ctx.render(msg.text))
