"""One sanitiser for untrusted text (imported or typed) on its way to a terminal or a file.

Control characters would act on a terminal (ESC starts a sequence: `\\x1b]52;` writes the
clipboard, `\\x1b[2J` clears the screen) and bidi overrides (U+202E) make a file name or a note
read backwards. Both are made visible instead: C0 controls as their Unicode pictures (ESC ->
U+241B), DEL as U+2421, C1 controls and bidi controls as U+FFFD. Tab and newline stay (they
lay text out); a carriage return stays in files, where the CSV quoting carries it.
Used by the cockpit (widgets/safe.py), the CLI's output and errors, and every written file.

On the way in (an import; a calendar's TEXT, which allows none) the same control characters are
removed instead (strip_controls), and a terminal escape sequence goes whole: its parameters
would otherwise stay behind as text in a name."""

from __future__ import annotations

import re

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
# The control characters: C0 but tab, LF and CR; DEL; C1. (CR acts on a terminal only.)
_CONTROLS = (*(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)), 0x7F, *range(0x80, 0xA0))
_FILE = {c: 0x2400 + c if c < 0x20 else 0x2421 if c == 0x7F else 0xFFFD
         for c in (*_CONTROLS, *_BIDI)}
_TERMINAL = {**_FILE, 0x0D: 0x240D}
_JSON_RAW = re.compile("[\x80-\x9f" + "".join(chr(c) for c in _BIDI) + "]")
_CONTROL_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROLS) + "]")
# Escape sequences (CSI, OSC such as OSC 52 clipboard writes, their 8-bit forms), removed whole.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|"
                      r"\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?")


def visible(value: object) -> str:
    """For a terminal: every control character shown, none acting."""
    return str(value if value is not None else "").translate(_TERMINAL)


def file_text(value: str) -> str:
    """For a written file (CSV cells, calendars): as visible(), carriage returns kept."""
    return value.translate(_FILE)


def json_text(encoded: str) -> str:
    """JSON already encoded with ensure_ascii=False: C1 and bidi controls, which json leaves raw,
    written as \\u escapes (the decoded value is unchanged)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def has_controls(value: str) -> bool:
    return _CONTROL_RE.search(value) is not None


def strip_controls(value: str) -> tuple[str, bool]:
    """For text coming in: escape sequences and control characters removed (True if any were).
    Tab, LF and CR stay."""
    if _CONTROL_RE.search(value):
        return _CONTROL_RE.sub("", _ESCAPES.sub("", value)), True
    return value, False
