"""Where an unexpected exception goes: one line for the user, the details to a log file.

The user sees one line saying what failed and where the details are (docs/product-rules.md:
never a traceback). The details go to `crash.log` in the rep's data folder (beside the default
database), owner-only, appended: the exception types, the frames (file, line, function, source
line) and each exception's message, never a frame's local variables, which hold prospect rows and
connection strings. Messages can quote data too, so every line passes through redact(): the
password of any URL, SQLAlchemy's statement parameters, e-mail addresses and phone-like numbers
are replaced. Light: imports neither SQLAlchemy nor Textual (it runs when either may be broken).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

from dialer_tui.text_safety import file_text, visible

LOG_NAME = "crash.log"
MAX_BYTES = 1 << 20  # past this the log starts again: the newest crash is the one wanted
MESSAGE_CHARS = 500  # of each exception's message in the log; 160 on the user's line

_URL_PASSWORD = re.compile(r"([A-Za-z][\w+.-]*://[^\s:/@'\"]*):[^\s'\"]*@")
_PARAMETERS = re.compile(r"\[parameters: [^\n]*")  # SQLAlchemy: the statement's bound values
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\+?\d[\d ().-]{6,}\d")  # a phone number in any format (also dates)


def log_path() -> Path:
    """crash.log in the data folder: store.engine.default_db_path's folder, computed here the
    same way without importing SQLAlchemy."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("dialer-tui", appauthor=False)) / LOG_NAME


def redact(text: str) -> str:
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    text = _PARAMETERS.sub("[parameters: (redacted)]", text)
    text = _EMAIL.sub("<email>", text)
    return _NUMBER.sub("<number>", text)


def _message(exc: BaseException, limit: int) -> str:
    try:
        said = " ".join(str(exc).split())
    except Exception:  # noqa: BLE001 - a __str__ that fails must not hide the crash
        said = "(the message could not be read)"
    said = redact(said)
    return said if len(said) <= limit else said[:limit] + "..."


def details(exc: BaseException, context: str) -> str:
    """The report for the log: a header, then each exception of the chain (cause first) with
    its frames and its redacted message; no local variables."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("dialer-tui")
    except PackageNotFoundError:
        release = "?"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    header = (f"=== {stamp} dialer-tui {release}, Python {sys.version.split()[0]}: "
              f"unexpected {type(exc).__name__} in {context}")
    lines: list[str] = []
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # __cause__ / __context__ loops
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__
                                        else current.__context__)
    for n, item in enumerate(reversed(chain)):
        if n:
            lines.append("The above led to:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(item.__traceback__):  # no locals are captured
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
        lines.append(f"{type(item).__module__}.{type(item).__qualname__}: "
                     f"{_message(item, MESSAGE_CHARS)}")
    return "\n".join([header, *(file_text(redact(line)) for line in lines)]) + "\n\n"


def write(exc: BaseException, context: str, path: Path | None = None) -> Path:
    """Append the report to the log (created 0600 in a 0700 folder, never through a symlink,
    made 0600 again if it was wider); OSError when it cannot be written."""
    path = path or log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
    try:
        if os.lstat(path).st_size > MAX_BYTES:
            flags |= os.O_TRUNC
    except FileNotFoundError:
        pass
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, details(exc, context).encode("utf-8", "replace"))
    finally:
        os.close(fd)
    return path


def report(exc: BaseException, context: str) -> str:
    """Write the details; the one line for the user, naming the log (or why it is not there)."""
    what = f"{type(exc).__name__}: {_message(exc, 160)}"
    try:
        where = f"details in {write(exc, context)}"
    except Exception as err:  # noqa: BLE001 - a disk full or read-only must still get its line
        said = getattr(err, "strerror", None) or type(err).__name__
        where = f"the details could not be written to {log_path()} ({said})"
    return visible(f"dialer-tui: unexpected error in {context} ({what}); {where}")
