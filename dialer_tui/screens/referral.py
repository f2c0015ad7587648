"""Outcome 9: who were we referred to? A small form; the number is checked before it closes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from dialer_tui.domain.phones import PhoneError, parse_phone
from dialer_tui.domain.referral import ReferralForm, email_problem
from dialer_tui.widgets import safe

# Enter moves down the fields and saves on the last: the number stays last, as it was before
# the email came in, so a rep's habit (and a paste ending in Enter) still saves.
_FIELDS = {"ref-name": "name", "ref-company": "company", "ref-title": "title",
           "ref-email": "email", "ref-phone": "phone"}


class ReferralScreen(ModalScreen[ReferralForm | None]):
    """`region`: the country a number typed without its + is read in, the referrer's (the
    service reads it so too: domain.phones.typing_region)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="referral.cancel")]

    def __init__(self, referrer: str, company: str, region: str) -> None:
        super().__init__()
        self.referrer, self.company, self.phone_region = referrer, company, region

    def compose(self) -> ComposeResult:
        head = Text("Referred by ", style="bold")
        head.append(safe.one_line(self.referrer), style="bold cyan")
        # Scrolls: six lines of fields are taller than the modal at 80x24, and the focused one
        # (and the error under them) must stay in sight.
        with VerticalScroll(id="referral-box", classes="modal"):
            yield Static(head)
            yield Input(placeholder="name", id="ref-name")
            yield Input(value=safe.one_line(self.company), placeholder="company", id="ref-company")
            yield Input(placeholder="title", id="ref-title")
            yield Input(placeholder="email", id="ref-email")
            yield Input(placeholder="phone (any format)", id="ref-phone")
            yield Static(Text("Enter on the last field saves; Esc cancels", style="dim"),
                         id="ref-error")

    def on_mount(self) -> None:
        self.query_one("#referral-box").border_title = "Referred to someone else"
        self.query_one("#ref-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = list(_FIELDS)
        if event.input.id != order[-1]:
            self.query_one(f"#{order[order.index(event.input.id or '') + 1]}", Input).focus()
            return
        form = ReferralForm(**{field: self.query_one(f"#{i}", Input).value.strip()
                               for i, field in _FIELDS.items()})
        error = ""
        if not form.name:
            error = "a name is needed"
        elif form.phone:
            try:
                if not parse_phone(form.phone, self.phone_region).valid:
                    error = f"{form.phone} is not an assigned number"
            except PhoneError as exc:
                error = f"{form.phone}: {exc}"
        error = error or email_problem(form.email)
        if error:
            said = self.query_one("#ref-error", Static)
            said.update(Text(error, style="bold red"))
            said.scroll_visible(animate=False)
            return
        self.dismiss(form)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
