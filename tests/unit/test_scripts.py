"""Script choosing and rendering: pure functions over the shipped playbook."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer_tui.domain.playbook import PLACEHOLDERS, template_ids, template_problems
from dialer_tui.domain.scripts import (
    VOICEMAIL_TARGET_S,
    VOICEMAIL_WARN_S,
    Rendered,
    build_script,
    choose_voicemail,
    filter_objections,
    persona_for,
    proof_for,
    render,
    render_message,
    speaking_seconds,
)
from dialer_tui.services.bundle import load_playbook

VALUES = {
    "first_name": "Dana", "last_name": "Whitaker", "title": "VP Operations",
    "company": "Acme Corp", "industry": "Industrial Machinery Manufacturing", "city": "Tulsa",
    "rep_name": "Sam Reyes", "rep_company": "Northwind", "rep_mobile": "(555) 010-4477",
    "next_attempt": "Thursday morning", "assistant_name": "Pat",
}


@pytest.fixture(scope="module")
def pb():
    return load_playbook()


def choose(pb, step, total=10, left=5, referrer=False):
    last = step >= total - 1
    return choose_voicemail(pb, has_referrer=referrer, step_index=step, total_steps=total,
                            voicemails_left=left, is_last_step=last, has_next_step=not last)


# --- choosing -------------------------------------------------------------------------------

def test_first_voicemail_is_value_or_reference(pb):
    assert choose(pb, 0) == "value"
    assert choose(pb, 0, referrer=True) == "reference"


def test_middle_voicemails_promise_the_next_attempt(pb):
    assert [choose(pb, s, left=10 - s) for s in range(1, 9)] == ["promise"] * 8
    assert choose(pb, 3, referrer=True) == "promise"


def test_last_step_is_breakup(pb):
    assert choose(pb, 9) == "breakup"
    assert choose(pb, 9, referrer=True) == "breakup"
    # the last voicemail the cadence plans breaks up even if an email follows it
    assert choose(pb, 5, left=1) == "breakup"


def test_single_step_cadence_leaves_value_not_breakup(pb):
    assert choose(pb, 0, total=1, left=1) == "value"


def test_no_next_step_but_not_last_falls_back_to_first_kind(pb):
    got = choose_voicemail(pb, has_referrer=True, step_index=2, total_steps=10,
                           voicemails_left=4, is_last_step=False, has_next_step=False)
    assert got == "reference"


@pytest.mark.parametrize("industry,expected", [
    ("Industrial Machinery Manufacturing", "manufacturing"),
    ("HOSPITAL & Health Care", "healthcare"),
    ("Computer Software", "software"),
    ("Transportation/Trucking/Railroad", "logistics"),
    ("Banking", "finance"),
    ("E-Commerce", "retail"),
    ("General Contractor", "construction"),
    ("professional_services", "professional_services"),
    ("Law Practice", "professional_services"),
    ("Underwater basket weaving", "default"),
    ("", "default"),
])
def test_persona_for_matches_industry_words(pb, industry, expected):
    assert persona_for(pb, industry).id == expected


def test_persona_match_is_whole_words(pb):
    # "plant" is a manufacturing word; "plantation" is not
    assert persona_for(pb, "Plantation tours").id == "default"


def test_proof_comes_from_the_personas_own_clients_only(pb):
    clients = {pid: {p.client for p in persona.proof} for pid, persona in pb.personas.items()}
    for pid, persona in pb.personas.items():
        picked = {proof_for(pb, persona, seed).client for seed in range(-5, 20)}
        assert picked == clients[pid], pid
        others = set().union(*(c for q, c in clients.items() if q != pid))
        assert not clients[pid] & others, pid


def test_proof_is_stable_per_seed(pb):
    persona = persona_for(pb, "retail")
    assert len(persona.proof) >= 2  # else every seed would trivially get the same story
    picks = [proof_for(pb, persona, seed) for seed in (42, 43, 42)]
    assert picks[0] is not None and picks[0] == picks[2] and picks[0] != picks[1]


# --- rendering --------------------------------------------------------------------------------

def test_render_fills_and_marks_missing():
    out = render("Hi {first_name} {last_name} at {company}, {first_name}!",
                 {"first_name": "Dana", "last_name": "", "company": None})
    assert out == Rendered("Hi Dana [last name?] at [company?], Dana!", ("last_name", "company"))


def test_whitespace_only_value_is_missing():
    assert render("{city}", {"city": "  "}).missing == ("city",)


@pytest.mark.parametrize("hostile", [
    "[bold]", "[@click=app.quit]", "[/]", "{first_name}", "{0.__class__}",
    "\x1b[31mred\x1b[0m", r"\1 \g<0> \\", "Acme [EMEA]", "%s %(x)s",
])
def test_hostile_values_are_inserted_verbatim(hostile):
    out = render("Hi {company}, {first_name}.", {"company": hostile, "first_name": "Dana"})
    assert out.text == f"Hi {hostile}, Dana."
    assert out.missing == ()


@pytest.mark.parametrize("template", [
    "{0.__class__}", "{x:>99999999}", "{a[0]}", "{first_name.__class__}", "{first_name!r}",
    "{0}", "{}", "{ first_name }", "{First_Name}", "unbalanced { brace", "closing } only",
])
def test_hostile_templates_stay_literal_and_are_reported(template):
    start = time.perf_counter()
    out = render(template, VALUES)
    assert time.perf_counter() - start < 0.1
    assert out.text == template  # nothing expanded, padded or looked up
    assert template_problems(template)


def test_dunder_placeholder_is_just_an_unknown_name():
    out = render("x{__import__}y", VALUES)
    assert out.text == "x[  import  ?]y" and out.missing == ("__import__",)
    [(token, msg)] = template_problems("x{__import__}y")
    assert token == "{__import__}" and "unknown placeholder" in msg


def test_typo_placeholder_gets_a_suggestion():
    [(token, msg)] = template_problems("Hi {frist_name}")
    assert token == "{frist_name}" and "did you mean {first_name}" in msg


def test_known_placeholders_have_no_problems():
    assert template_problems(" ".join("{%s}" % p for p in sorted(PLACEHOLDERS))) == []


@given(st.text(), st.text())
def test_render_never_raises_and_never_reexpands(template, value):
    out = render(template, {"first_name": value})
    assert isinstance(out.text, str)
    if value.strip():
        assert render("<{first_name}>", {"first_name": value}).text == f"<{value}>"


# --- speaking time --------------------------------------------------------------------------

def test_speaking_seconds_counts_phone_digits_one_by_one():
    # 3 words + 10 digits at 150 wpm
    assert speaking_seconds("Call me on (555) 010-4477.") == pytest.approx(13 * 60 / 150)
    assert speaking_seconds("Call me on +1 555 010 4477.") == pytest.approx(14 * 60 / 150)


def test_speaking_seconds_short_numbers_and_pace():
    # We, saved, hours, in = 4; "12" one word; "2024" two words
    assert speaking_seconds("We saved 12 hours in 2024.") == pytest.approx(7 * 60 / 150)
    assert speaking_seconds("one two three", words_per_minute=60) == pytest.approx(3.0)
    assert speaking_seconds("") == 0


def test_voicemail_constants():
    assert (VOICEMAIL_TARGET_S, VOICEMAIL_WARN_S) == (20, 30)


# --- the whole script -----------------------------------------------------------------------

def test_build_script_first_step(pb):
    s = build_script(pb, VALUES, industry=VALUES["industry"], has_referrer=False,
                     step_index=0, total_steps=10, voicemails_left=6, seed=1)
    assert s.value_prop.persona == "manufacturing"
    assert s.voicemail_id == "value"
    assert s.voicemail.text.startswith("Hi Dana, it's Sam Reyes with Northwind.")
    assert s.voicemail.text.count("(555) 010-4477") == 2
    assert s.voicemail_seconds == speaking_seconds(s.voicemail.text) <= VOICEMAIL_WARN_S
    assert s.proof is not None
    assert any(p.client in s.proof.text for p in pb.personas["manufacturing"].proof)
    assert "Pat" in s.gatekeeper.text and "(555) 010-4477" in s.ask_mobile.text
    assert s.ask_time.text and s.opener.missing == ()
    assert [o.id for o in s.objections] == list(pb.objections)
    assert s.missing == ()


def test_build_script_referrer_promise_and_breakup(pb):
    vals = {**VALUES, "referrer_name": "Mike Kincaid", "referrer_company": "Quality Fabricators"}
    kw = dict(industry="retail", has_referrer=True, total_steps=10)
    first = build_script(pb, vals, step_index=0, voicemails_left=5, **kw)
    assert first.voicemail_id == "reference"
    assert "Mike Kincaid at Quality Fabricators asked me to give you a call" in first.voicemail.text
    assert "Mike Kincaid" in first.opener.text
    middle = build_script(pb, vals, step_index=4, voicemails_left=3, **kw)
    assert middle.voicemail_id == "promise"
    assert middle.voicemail.text.endswith("I'll try you again Thursday morning.")
    last = build_script(pb, vals, step_index=9, voicemails_left=1, **kw)
    assert last.voicemail_id == "breakup"


def test_build_script_missing_values_are_visible_not_fatal(pb):
    s = build_script(pb, {"rep_name": "Sam"}, industry="software", has_referrer=True,
                     step_index=3, total_steps=10, voicemails_left=3)
    assert "[rep mobile?]" in s.voicemail.text and "[next attempt?]" in s.voicemail.text
    assert {"first_name", "rep_mobile", "next_attempt"} <= set(s.voicemail.missing)
    assert "referrer_name" in s.opener.missing and "referrer_name" in s.missing
    # No first name: a neutral greeting, never "Hi ," nor a marker read aloud as a name.
    for text in (s.voicemail.text, s.opener.text):
        assert text.startswith("Hi, ") and "Hi ," not in text and "[first name?]" not in text


def test_no_first_name_leaves_no_empty_address_anywhere_in_the_playbook(pb):
    values = {"rep_name": "Sam", "rep_company": "Northwind", "company": "Acme",
              "first_name": ""}
    for tid in template_ids(pb):
        text = render_message(pb, tid, values, industry="logistics").text.text
        assert ", ." not in text and " ," not in text and "Hi  " not in text, (tid, text)


def test_missing_inside_a_quoted_persona_reason_is_reported(pb):
    # the value voicemail quotes value_reason_1, which itself uses {company}
    s = build_script(pb, {**VALUES, "company": ""}, industry="software", has_referrer=False,
                     step_index=0, total_steps=10, voicemails_left=5)
    assert "software companies like [company?]" in s.voicemail.text
    assert s.voicemail.missing == ("company",)
    assert s.value_prop.text.missing == ("company",)


def test_build_script_hostile_values_stay_literal(pb):
    vals = {**VALUES, "first_name": "[@click=app.quit]", "company": "{rep_mobile} [bold]"}
    s = build_script(pb, vals, industry="healthcare", has_referrer=False,
                     step_index=0, total_steps=10, voicemails_left=5)
    assert s.voicemail.text.startswith("Hi [@click=app.quit], ")
    assert "practices like {rep_mobile} [bold] get claims paid" in s.value_prop.text.text


def test_caller_cannot_override_derived_values(pb):
    s = build_script(pb, {**VALUES, "value_reason_1": "HIJACK", "client": "HIJACK"},
                     industry="finance", has_referrer=False, step_index=0, total_steps=10,
                     voicemails_left=5)
    assert "HIJACK" not in s.voicemail.text and "HIJACK" not in (s.proof.text if s.proof else "")


def test_render_message_for_written_touches(pb):
    m = render_message(pb, "email_value", VALUES, industry="hospital", seed=0)
    assert m.channel == "email" and m.subject == Rendered("An idea for Acme Corp")
    assert "Lakeshore Family Medicine" in m.text.text and m.text.missing == ()
    assert render_message(pb, "promise", VALUES, industry="x").channel == "voicemail"
    with pytest.raises(KeyError):
        render_message(pb, "nope", VALUES, industry="x")


# --- objection filter -----------------------------------------------------------------------

def test_filter_objections(pb):
    assert filter_objections(pb, "") == list(pb.objections)
    assert filter_objections(pb, "   ") == list(pb.objections)
    assert filter_objections(pb, "BUDG") == ["no_budget"]
    assert "send_info" in filter_objections(pb, "info")
    assert filter_objections(pb, "who") == ["who_gave_number"]
    assert "too_busy" in filter_objections(pb, "bus")
    assert filter_objections(pb, "already use") == ["already_use"]
    assert filter_objections(pb, "zzz") == []
    # prefix of a word, not a substring inside one
    assert "no_budget" not in filter_objections(pb, "udget")
