"""`python -m dialer_tui` runs the command line."""

from dialer_tui.cli import main

raise SystemExit(main())
