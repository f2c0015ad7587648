"""The shipped dialer_tui/data/playbook.yaml, user overrides of it, and broken copies that must be caught."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialer_tui.config import DATA_DIR, ConfigError
from dialer_tui.domain.playbook import REQUIRED_VOICEMAILS
from dialer_tui.domain.scripts import (
    VOICEMAIL_WARN_S,
    render_message,
    speaking_seconds,
    template_ids,
)
from dialer_tui.services.bundle import load_playbook

SHIPPED = DATA_DIR / "playbook.yaml"
TYPICAL = {
    "first_name": "Alexandra", "last_name": "Whitaker-Jones", "title": "Director of Operations",
    "company": "Consolidated Industries", "industry": "x", "city": "Indianapolis",
    "referrer_name": "Mike Kincaid", "referrer_company": "Quality Fabricators",
    "assistant_name": "Pat", "rep_name": "Samantha Reyes", "rep_company": "Northwind Partners",
    "rep_mobile": "+1 (555) 010-4477", "next_attempt": "Thursday morning around nine",
}


def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based line number of the (unique) line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def broken(tmp_path: Path, old: str, new: str) -> tuple[ConfigError, str]:
    text = shipped_text()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    (tmp_path / "playbook.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_playbook(tmp_path)
    return info.value, text


# --- the shipped file -----------------------------------------------------------------------

def test_shipped_playbook_loads_with_required_content():
    pb = load_playbook()
    assert {"manufacturing", "healthcare", "software", "logistics", "finance", "retail",
            "construction", "professional_services", "default"} <= set(pb.personas)
    assert set(REQUIRED_VOICEMAILS) <= set(pb.voicemails)
    assert {"email_value", "email_followup", "linkedin_note", "letter_intro"} <= set(pb.messages)
    assert {"not_interested", "send_info", "already_use", "no_budget", "call_later", "bad_timing",
            "would_have_called", "who_gave_number", "too_busy", "how_long"} <= set(pb.objections)
    for pid, persona in pb.personas.items():
        assert 1 <= len(persona.value_prop.reasons) <= 3, pid
        assert persona.proof, pid
        assert pid == "default" or persona.match, pid


def test_every_voicemail_fits_the_stopwatch_for_every_persona():
    pb = load_playbook()
    for pid in pb.personas:
        for vid in pb.voicemails:
            for seed in range(3):
                out = render_message(pb, vid, TYPICAL, industry=pid, seed=seed).text
                assert out.missing == (), (pid, vid)
                assert speaking_seconds(out.text) <= VOICEMAIL_WARN_S, (pid, vid, out.text)
                assert out.text.count(TYPICAL["rep_mobile"]) >= 1, (pid, vid)


def test_voicemail_shapes_follow_the_seeds():
    pb = load_playbook()
    assert pb.voicemails["promise"].rstrip().endswith("I'll try you again {next_attempt}.")
    assert "{referrer_name} at {referrer_company} asked me to give you a call" \
        in pb.voicemails["reference"]
    for vid in REQUIRED_VOICEMAILS:
        assert "{rep_mobile}" in pb.voicemails[vid], vid


def test_every_message_renders_without_missing_values():
    pb = load_playbook()
    for tid in template_ids(pb):
        out = render_message(pb, tid, TYPICAL, industry="logistics")
        assert out.text.missing == () and "[" not in out.text.text, tid
    assert pb.messages["linkedin_note"].channel == "linkedin" and "breakup" in pb.voicemails


def test_shipped_cadences_name_existing_templates():
    cadences = DATA_DIR / "cadences.yaml"
    data = yaml.safe_load(cadences.read_text(encoding="utf-8")) or {}
    named = {step["template"] for c in (data.get("cadences") or {}).values()
             for step in c.get("steps", []) if isinstance(step, dict) and "template" in step}
    assert named <= template_ids(load_playbook())


# --- overrides ------------------------------------------------------------------------------

def test_override_in_config_dir_wins(tmp_path):
    text = shipped_text().replace("so I'll take twenty seconds", "so OVERRIDDEN twenty seconds")
    assert "OVERRIDDEN" in text
    (tmp_path / "playbook.yaml").write_text(text, encoding="utf-8")
    assert "OVERRIDDEN" in load_playbook(tmp_path).lines.opener
    assert "OVERRIDDEN" in load_playbook(tmp_path / "playbook.yaml").lines.opener


def test_shipped_file_used_when_config_dir_has_none(tmp_path):
    assert load_playbook(tmp_path) == load_playbook(None) == load_playbook()


# --- broken copies: file, line and key in the message ---------------------------------------

def test_yaml_syntax_error(tmp_path):
    err, text = broken(tmp_path, "    title: Too busy\n", "    title: Too busy: really\n")
    assert "playbook.yaml" in str(err) and "YAML syntax error" in str(err)
    assert err.line == line_of(text, "Too busy: really")
    assert f"playbook.yaml:{err.line}:" in str(err)


def test_unknown_key(tmp_path):
    err, text = broken(tmp_path, "    label: Retail and e-commerce\n",
                       "    label: Retail and e-commerce\n    colour: blue\n")
    assert err.line == line_of(text, "colour: blue")
    assert "personas.retail.colour" in str(err)
    assert f"playbook.yaml:{err.line}:" in str(err)


def test_unknown_placeholder_points_at_its_line_inside_folded_text(tmp_path):
    err, text = broken(tmp_path, "again. {value_reason_2}\n", "again. {compnay}\n")
    assert err.line == line_of(text, "{compnay}")
    assert "voicemails.promise" in str(err) and "{compnay}" in str(err)
    assert "did you mean {company}" in str(err)
    assert f"playbook.yaml:{err.line}:" in str(err)


def test_malformed_placeholder(tmp_path):
    err, text = broken(tmp_path, "Happy to connect here", "Happy {0.__class__} to connect here")
    assert err.line == line_of(text, "{0.__class__}")
    assert "messages.linkedin_note.text" in str(err) and "malformed" in str(err)


def test_format_spec_in_template_is_malformed(tmp_path):
    err, text = broken(tmp_path, "Hi {assistant_name},", "Hi {assistant_name:>99999999},")
    assert err.line == line_of(text, "{assistant_name:>99999999}")
    assert "lines.gatekeeper" in str(err) and "malformed" in str(err)


def test_missing_default_persona(tmp_path):
    err, text = broken(tmp_path, "  default:\n    label: General\n",
                       "  general:\n    label: General\n")
    assert err.line == line_of(text, "personas:")
    assert "personas" in str(err) and "default" in str(err)
    assert f"playbook.yaml:{err.line}:" in str(err)


def test_missing_required_voicemail(tmp_path):
    err, text = broken(tmp_path, "  breakup: >-\n", "  goodbye: >-\n")
    assert err.line == line_of(text, "voicemails:")
    assert "voicemails" in str(err) and "breakup" in str(err)


def test_derived_placeholder_not_allowed_in_persona_text(tmp_path):
    err, text = broken(tmp_path, "cut empty miles and detention time.",
                       "cut empty miles. {wiifm}")
    assert err.line == line_of(text, "cut empty miles. {wiifm}")
    assert "personas.logistics.value_prop.reasons.0" in str(err)


def test_promise_must_say_when(tmp_path):
    err, _ = broken(tmp_path, "I'll try you again {next_attempt}.", "I'll try you again soon.")
    assert "voicemails.promise" in str(err) and "{next_attempt}" in str(err)


def test_template_id_used_twice(tmp_path):
    err, text = broken(tmp_path, "  linkedin_note:\n", "  value:\n")
    # the message's key line, not the voicemail's (`  value: >-`)
    assert err.line == text.splitlines().index("  value:") + 1
    assert "messages.value" in str(err) and "unique" in str(err)


def test_several_problems_report_the_first_by_line(tmp_path):
    err, text = broken(tmp_path, "      wiifm: \"More done with",
                       "      wiifm: \"{frist} More done with")
    text2 = text.replace("ask: \"Could we set ten minutes to look at one of",
                         "ask: \"{bad} Could we set ten minutes to look at one of")
    (tmp_path / "playbook.yaml").write_text(text2, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_playbook(tmp_path)
    assert info.value.line == line_of(text2, "{bad} Could we")  # logistics comes before default
    assert "(and 1 more)" in str(info.value)


def test_too_many_reasons(tmp_path):
    err, _ = broken(tmp_path, "        - \"Our clients close the month in days, not weeks.\"\n",
                    "        - \"Our clients close the month in days, not weeks.\"\n"
                    "        - \"Three.\"\n        - \"Four.\"\n")
    assert "personas.professional_services.value_prop.reasons" in str(err)
