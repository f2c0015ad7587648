"""`d`, `D` and power mode: what the screen says is what `d` does.

The gate judges the number on screen for this person at the key (in a worker: it reads the
store); in a shared list the lease is taken first, so no two reps ever dial one person; a blocked
dial is refused in the outcome bar with the reason and the next allowed time; `D` dials outside
the rules after a form that asks why (never for do-not-call). Part of the cockpit screen, which
owns one Dialer and hands it its DialChecked messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from dialer_tui.screens.background import in_background
from dialer_tui.screens.cockpit_messages import Claimed, DialChecked

if TYPE_CHECKING:
    from dialer_tui.screens.cockpit import CockpitScreen
    from dialer_tui.services.gate import DialCheck


class Dialer:
    def __init__(self, screen: CockpitScreen) -> None:
        self.screen = screen
        self.cockpit = screen.cockpit
        self.state = screen.cockpit.state

    def dial(self, *, override: bool) -> None:
        screen, st = self.screen, self.state
        if not st.phone or st.current_id is None:
            if not override:
                screen.dapp.notify("No number to dial for this prospect", severity="warning")
            return
        pid, phone, team = st.current_id, st.phone, bool(screen.dapp.rep)

        def work() -> Message:
            if team:
                holder = self.cockpit.claim(pid)
                screen.post_message(Claimed(pid, holder, landing=False))
                if holder is not None:
                    return DialChecked(f"{holder} holds this prospect", override)
            return DialChecked(self.cockpit.check_dial(pid, phone), override)

        in_background(screen, work, group="dial")

    def checked(self, event: DialChecked) -> None:
        screen, check = self.screen, event.check
        if isinstance(check, str):  # no rules checked, or another rep's: no dial
            screen.acknowledge(f"Not dialled: {check}", style="bold red")
            return
        if check.prospect_id != self.state.current_id or check.e164 != self.state.phone:
            return  # the rep moved on while the rules were read: dial nothing unseen
        if not event.override or check.allowed:
            self._dial(check)
        elif check.next_allowed is None:  # do-not-call, a bad number, a closed status
            screen.acknowledge(check.refusal() + " (no override for this)", style="bold red")
        else:
            from dialer_tui.screens.edit import OverrideScreen

            screen.dapp.push_screen(
                OverrideScreen(self.cockpit.who(), check.e164, check.refusal()),
                lambda reason: reason and self._dial(check, reason))

    def _dial(self, check: DialCheck, override: str = "") -> None:
        screen = self.screen
        if not check.allowed and not override:
            refusal = check.refusal()
            if check.next_allowed is not None:
                refusal += " (D: dial anyway, saying why)"
            screen.acknowledge(refusal, style="bold red")
            return
        from dialer_tui.services.dial import DialError, dial

        app = screen.dapp
        try:
            said = dial(check.e164, app.bundle.settings.dial, copy=app.copy_to_clipboard)
        except DialError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        if override:
            self.state.overrides[check.prospect_id] = override
            said += " (outside the rules: your reason goes on the touch)"
        screen.acknowledge(said[0].upper() + said[1:], style="yellow" if override else "cyan")
