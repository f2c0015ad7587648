"""Configuration and data files: YAML -> strict pydantic models, errors that name file, line, key.

Shipped defaults live in the package's `data/` folder (`dialer_tui/data`, package data, so a
wheel or pipx install carries them). A user overrides any of them by putting
a file of the same name in their config directory (`--config DIR`, env `DIALER_TUI_CONFIG`,
default the platformdirs config dir); `settings.yaml` there holds the rep's own settings.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dialer_tui.errors import ConfigError  # noqa: F401 - raised here, named by callers

# importlib.resources finds package data however the package was installed (editable, wheel,
# pipx). pip and pipx always unpack onto the file system, so the result is a real folder; Path()
# keeps the file names in error messages and lets callers open files as they always did.
DATA_DIR = Path(str(files("dialer_tui") / "data"))

try:  # the C loader is several times faster where libyaml is present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

M = TypeVar("M", bound=BaseModel)


def default_config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("dialer-tui", appauthor=False))


def config_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`--config` wins over DIALER_TUI_CONFIG, which wins over the platform default. A folder or
    file the user named must exist and be readable: a mistyped path would otherwise drop the
    rep's narrower calling window without a word."""
    chosen = explicit or os.environ.get("DIALER_TUI_CONFIG")
    if not chosen:
        return default_config_dir()
    path = Path(chosen).expanduser()
    what = "--config" if explicit else "DIALER_TUI_CONFIG"
    if not path.exists():
        raise ConfigError(path, f"{what} names a folder or file that does not exist")
    if not (path.is_dir() or path.is_file()):
        raise ConfigError(path, f"{what} is neither a folder nor a regular file")
    if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        raise ConfigError(path, f"{what} cannot be read (permissions)")
    return path


def find_file(name: str, cfg_dir: Path | None) -> Path:
    """The user's override of a data file when it exists, else the shipped default.

    `cfg_dir` may also be a single file named `name` (`--config path/to/playbook.yaml`)."""
    if cfg_dir is not None:
        if cfg_dir.is_file():
            if cfg_dir.name == name:
                return cfg_dir
        elif (cfg_dir / name).is_file():
            return cfg_dir / name
        elif os.path.lexists(cfg_dir / name):  # a folder, FIFO, device, dangling or looping
            # link where the rep's file should be: the shipped one in its place would drop the
            # rep's rules without a word (as settings_path says for settings.yaml)
            raise ConfigError(cfg_dir / name, f"{name} is not a readable regular file")
    return DATA_DIR / name


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The deepest YAML node along a pydantic error location, to point at its line."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(part):
                    nxt = v if part != loc[-1] else k
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def value_node(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The value node at a key path (_node_at stops at the key of the last part); None when
    the path is not in the file."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; a syntax error becomes a ConfigError with line and column."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    text = _decode_yaml(path, raw)
    loader = _Loader(text)
    try:  # one parse: the node tree (for error lines) and the data built from it
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context
        if exc.context_mark is not None and "quoted scalar" in (exc.context or "") and \
                "unexpected" in (exc.problem or ""):
            # A quote never closed runs to the end of the file (or the next "---"): point at
            # the line where it opens, not at the last line.
            mark = exc.context_mark
            message = f"{exc.problem} {exc.context} that starts here (a quote is not closed)"
        raise ConfigError(path, f"YAML syntax error: {message}",
                          line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None,
                          key=_key_before(text, mark)) from None
    except yaml.reader.ReaderError as exc:  # a control character such as NUL: where it is
        line, column = _line_col(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(path, f"character U+{char:04X} is not allowed in YAML (a control "
                          "character; remove it)", line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"YAML error: {' '.join(str(exc).split())}") from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise plain exceptions for a value that looks like its type but
        # is not one: "2026-02-30" (a date), "!!int x", "!!timestamp x", 5,000 digits.
        raise _unbuildable(path, text, exc) from None
    finally:
        loader.dispose()
    return data, node


def _unbuildable(path: Path, text: str, exc: BaseException) -> ConfigError:
    """A ConfigError at the value a PyYAML constructor could not build: the innermost frame of
    the failure that holds a `node` (every constructor takes the node it builds)."""
    node, tb = None, exc.__traceback__
    while tb is not None:
        found = tb.tb_frame.f_locals.get("node")
        node = found if isinstance(found, yaml.Node) else node
        tb = tb.tb_next
    if node is None:
        return ConfigError(path, f"YAML value that cannot be read ({type(exc).__name__})")
    kind = node.tag.rpartition(":")[2]  # tag:yaml.org,2002:timestamp -> timestamp
    kind = {"timestamp": "date or time", "int": "whole number", "float": "number",
            "bool": "true or false"}.get(kind, kind or "value")
    value = node.value if isinstance(node.value, str) else ""
    shown = repr(value[:40]) + ("..." if len(value) > 40 else "")
    mark = node.start_mark
    return ConfigError(path, f"{shown} is not a valid {kind}; put it in quotes to keep it as "
                       "text", line=mark.line + 1, column=mark.column + 1,
                       key=_key_before(text, mark))


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _decode_yaml(path: Path, raw: bytes) -> str:
    """UTF-8 (a BOM is fine), or UTF-16 with its BOM as Windows editors save it; anything else
    is named with the line and column of the first byte that is not UTF-8."""
    import codecs

    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(path, "starts like UTF-16 but is not; save it as UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(path, f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; save the "
                          "file as UTF-8", line=line, column=column) from None


def _key_before(text: str, mark: yaml.Mark | None) -> str:
    """The key to look at on the line of a syntax error: the last `key:` up to the error, else
    the first one after it."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines):
        return ""
    line, key = lines[mark.line] + " ", re.compile(r"([A-Za-z_][\w-]*)\s*:(?=\s)")
    before = key.findall(line[:mark.column + 1] + " ")
    after = key.search(line, mark.column)
    return before[-1] if before else after.group(1) if after else ""


def load_model(path: Path, model: type[M], *, empty_ok: bool = False) -> M:
    """Load and validate one YAML file into `model`; errors name file, line and key."""
    data, node = load_yaml(path)
    if data is None and empty_ok:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A misspelt key shows up twice (unknown key + missing field): name the typo first.
        # (errors() built once, without URLs or inputs: a 100,000-key file has as many)
        errors = sorted(exc.errors(include_url=False, include_input=False),
                        key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = tuple(err["loc"])
        target = _node_at(node, loc)
        line = target.start_mark.line + 1 if target is not None else None
        col = target.start_mark.column + 1 if target is not None else None
        key = ".".join(str(p) for p in loc)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(path, err["msg"] + more, line=line, column=col, key=key) from None


def error_at(path: Path, node: yaml.Node | None, loc: tuple[Any, ...], message: str) -> ConfigError:
    """A ConfigError for a semantic check (not a schema one) at a key path of the file."""
    target = _node_at(node, loc)
    return ConfigError(path, message,
                       line=target.start_mark.line + 1 if target is not None else None,
                       column=target.start_mark.column + 1 if target is not None else None,
                       key=".".join(str(p) for p in loc))


class DialSettings(BaseModel):
    """How the selected number is handed to the phone."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["clipboard", "tel", "command", "none"] = "clipboard"
    # argv list, `{e164}` substituted in each item; never run through a shell
    command: list[str] = Field(default_factory=list)
    power_mode: bool = False  # dial the next number automatically after each outcome


class Settings(BaseModel):
    """The rep's own settings (`settings.yaml` in the config dir)."""

    model_config = ConfigDict(extra="forbid")
    rep_name: str = ""
    rep_company: str = ""
    rep_mobile: str = ""
    region: str = "US"  # default country for typed and imported numbers
    # the rep's own calling window, in the called party's local time; only narrows the law's
    calling_window: tuple[str, str] | None = None
    dial: DialSettings = Field(default_factory=DialSettings)
    keys: dict[str, str] = Field(default_factory=dict)  # binding id -> key, for App.set_keymap
    lease_minutes: int = Field(default=15, ge=1, le=24 * 60)
    callbacks_mine_only: bool = True  # a callback asked of one rep stays with that rep
    # Whom a prospect's line reaches when the import did not say (the `line` column).
    default_line: Literal["business", "consumer"] = "business"
    # Rules that protect consumers (calling_rules.yaml `protects: consumer`) judge business
    # lines too: the conservative default; false only when the team knows its lines are
    # businesses' and the rules' business exemptions fit its calls.
    apply_consumer_rules_to_business: bool = True

    @field_validator("calling_window")
    @classmethod
    def _window(cls, value: tuple[str, str] | None) -> tuple[str, str] | None:
        if value is not None:
            import datetime as dt

            try:
                start, end = (dt.time.fromisoformat(v) for v in value)
            except ValueError:
                raise ValueError("calling_window needs two HH:MM times") from None
            if start >= end:
                raise ValueError("calling_window: start must be before end")
        return value

    def window(self):
        import datetime as dt

        if self.calling_window is None:
            return None
        return tuple(dt.time.fromisoformat(v) for v in self.calling_window)


def settings_path(cfg_dir: Path | None) -> Path | None:
    """The settings.yaml in use, None when there is none (defaults)."""
    if cfg_dir is not None:
        path = cfg_dir if cfg_dir.is_file() and cfg_dir.name == "settings.yaml" else (
            cfg_dir / "settings.yaml")
        if path.is_file():
            return path
        if os.path.lexists(path):  # a folder, a FIFO, a dangling or looping link: say so
            raise ConfigError(path, "settings.yaml is not a readable regular file")
    return None


def load_settings(cfg_dir: Path | None) -> Settings:
    """settings.yaml from the config dir; defaults when there is none."""
    path = settings_path(cfg_dir)
    return load_model(path, Settings, empty_ok=True) if path is not None else Settings()


ImportField = Literal[
    "first_name", "last_name", "full_name", "title", "company", "industry", "city", "region",
    "country", "time_zone", "linkedin_url", "referrer_name", "referrer_company",
    "assistant_name", "research_notes", "priority", "owner", "source", "preferred_channel",
    "phone_notes", "extension", "custom_fields", "line", "consent_basis", "consent_date",
    "consent_source"]


class HeaderSynonyms(BaseModel):
    """`header_synonyms.yaml`: what CSV headers mean, per language (see the shipped file)."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[ImportField, dict[str, list[str]]]  # field -> language -> headers
    first_or_full: list[str] = Field(default_factory=list)
    last_or_full: list[str] = Field(default_factory=list)
    phone_words: list[str]
    phone_prefixes: list[str] = Field(default_factory=list)
    phone_kinds: dict[Literal["mobile", "direct", "assistant", "home"], list[str]]
    email_words: list[str]
    prefixes: list[str] = Field(default_factory=list)


def load_header_synonyms(cfg_dir: Path | None = None) -> HeaderSynonyms:
    return load_model(find_file("header_synonyms.yaml", cfg_dir), HeaderSynonyms)
