"""One sanitiser for untrusted text (imported or typed) on its way to a terminal or a file.

Control characters would act on a terminal (ESC starts a sequence: `\\x1b]52;` writes the
clipboard, `\\x1b[2J` clears the screen) and bidi overrides (U+202E) make a file name or a note
read backwards. Both are made visible instead: C0 controls as their Unicode pictures (ESC ->
U+241B), DEL as U+2421, C1 controls and bidi controls as U+FFFD. Tab and newline stay (they
lay text out); a carriage return stays in files, where the CSV quoting carries it.
Used by the cockpit (widgets/safe.py), the CLI's output and errors, and every written file."""

from __future__ import annotations

import re

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_TERMINAL = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_TERMINAL[0x7F] = 0x2421
_TERMINAL.update({c: 0xFFFD for c in (*range(0x80, 0xA0), *_BIDI)})
_FILE = {c: v for c, v in _TERMINAL.items() if c != 0x0D}
_JSON_RAW = re.compile("[\x80-\x9f" + "".join(chr(c) for c in _BIDI) + "]")


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
