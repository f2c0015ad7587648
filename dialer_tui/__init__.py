"""dialer-tui: a keyboard-first terminal cockpit for salespeople working a phone list.

Importing this package must stay cheap and must not import Textual (the CLI's non-UI commands
start fast because of it)."""

__version__ = "0.1.0"
