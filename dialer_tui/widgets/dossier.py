"""The dossier pane: who this is, whether they may be called now, their numbers and history.

Everything from the store is imported or typed data: it goes through `safe` into Text, never into
a markup string. The local-time line ticks each second (one small Static update)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dialer_tui.domain.phones import DNC_STATE, display, number_state
from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.widgets import safe

if TYPE_CHECKING:  # a view comes from the store, whose modules load after the first frame
    from dialer_tui.domain.outcomes import Dispositions
    from dialer_tui.services.cockpit import ProspectView
    from dialer_tui.services.rows import PhoneRow

HISTORY_SHOWN = 15  # the latest touches; h opens the history screen, which pages through all

KIND_STYLE = {"mobile": "bold green", "direct": "green", "office": "", "assistant": "yellow"}


def _label(out: Text, label: str) -> None:
    out.append(f"{label:<10}", style="dim")


STATE_LOOK = {DNC_STATE: ("DO NOT CALL", "bold red"), "bad number": ("bad number", "red"),
              "invalid": ("invalid", "red"), "ok": ("ok", "green")}


def phone_state(p: PhoneRow, dnc: set[str]) -> tuple[str, str]:
    """The number's state as the dossier shows it (the gate's words, domain.phones)."""
    return STATE_LOOK[number_state(p, dnc)]


class DossierPane(VerticalScroll):
    """Shows one ProspectView; `phone_e164` marks the number the next dial and outcome use."""

    def __init__(self, dispositions: Dispositions, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dispositions = dispositions  # the words of each outcome in the history lines
        self.view: ProspectView | None = None
        self.phone_e164 = ""

    def compose(self) -> ComposeResult:
        # Untrusted text goes in as rich Text, never markup.
        yield Static(id="dossier-head", markup=False)
        yield Static(id="dossier-clock", markup=False)
        yield Static(id="dossier-body", markup=False)

    def _part(self, name: str) -> Static:
        return self.query_one(f"#dossier-{name}", Static)

    def show_pending(self, item: QueueItem) -> None:
        """Name and number straight from the queue row while the full dossier loads."""
        self.view = None
        head = Text()
        head.append(safe.one_line(item.name or item.company), style="bold")
        head.append("\n")
        head.append(safe.one_line(item.company), style="italic")
        self._part("head").update(head)
        self._part("clock").update(Text(""))
        self._part("body").update(Text("loading...", style="dim"))

    def show(self, view: ProspectView, phone_e164: str, rep_zone: tzinfo, now: datetime) -> None:
        self.view, self.phone_e164 = view, phone_e164
        self._part("head").update(self._head(view))
        self.tick(now)
        self._part("body").update(self._body(view, phone_e164, rep_zone, now))
        self.scroll_home(animate=False)

    def clear_view(self, message: Text) -> None:
        self.view = None
        self._part("head").update(message)
        self._part("clock").update(Text(""))
        self._part("body").update(Text(""))

    def tick(self, now: datetime) -> None:
        view = self.view
        if view is None:
            return
        local = now.astimezone(view.dossier.zone)
        out = Text()
        out.append(f"{local:%a %H:%M:%S}", style="bold")
        out.append(f"  {view.dossier.zone.key}\n")
        ex = view.explanation
        if ex.callable:
            out.append("callable now", style="bold green")
        else:
            out.append("not callable now", style="bold red")
        if ex.phone:  # the verdict is for this number (`n` judges the next one afresh)
            out.append(f"  on {display(ex.phone)}", style="dim")
        if not ex.callable:
            # "next allowed" is said once, below, in their time
            blocked = [r for r in ex.reasons if r.startswith("blocked")]
            for reason in blocked[:3]:
                out.append("\n  " + safe.one_line(reason), style="red")
            if ex.next_allowed is not None:
                nxt = ex.next_allowed.astimezone(view.dossier.zone)
                out.append(f"\n  next allowed {nxt:%a %d %b %H:%M} their time", style="yellow")
        self._part("clock").update(out)

    def _head(self, view: ProspectView) -> Text:
        p = view.dossier.prospect
        out = Text()
        out.append(safe.one_line(p.name or "(no name)"), style="bold")
        if p.title:
            out.append("  " + safe.one_line(p.title), style="italic")
        out.append("\n")
        out.append(safe.one_line(p.company), style="bold cyan")
        bits = [b for b in (p.industry, p.city, p.region, p.country) if b]
        if bits:
            out.append("  " + safe.one_line(" / ".join(bits)), style="dim")
        return out

    def _body(self, view: ProspectView, phone_e164: str, rep_zone: tzinfo, now: datetime
              ) -> Text:
        from dialer_tui.store.models import FU_CALLBACK, FU_PROMISE  # loaded: `view` is here

        d, p = view.dossier, view.dossier.prospect
        out = Text()
        dnc = {e.phone for e in d.dnc if e.phone}
        if any(e.prospect_id == p.id and not e.phone for e in d.dnc):
            out.append("ON THE DO-NOT-CALL LIST\n", style="bold red")
        for ph in d.phones:
            state, style = phone_state(ph, dnc)
            mark = "> " if ph.e164 == phone_e164 else "  "
            out.append(mark, style="bold")
            out.append(f"{ph.kind:<9}", style=KIND_STYLE.get(ph.kind, ""))
            out.append(safe.one_line(display(ph.e164, ph.extension)))
            out.append(f"  {state}", style=style)
            if ph.note:
                out.append("\n           " + safe.one_line(ph.note), style="italic")
            out.append("\n")
        if not d.phones:
            out.append("no number on file\n", style="yellow")
        if not d.has_mobile:
            out.append("ask for the mobile\n", style="bold yellow")
        for label, value in (("email", p.email), ("LinkedIn", p.linkedin_url),
                             ("assistant", p.assistant_name)):
            if value:
                _label(out, label)
                out.append(safe.one_line(value) + "\n")
        if p.referrer_name or d.referrer is not None:
            _label(out, "referrer")
            name = p.referrer_name or (d.referrer.name if d.referrer else "")
            company = p.referrer_company or (d.referrer.company if d.referrer else "")
            out.append(safe.one_line(name + (f" ({company})" if company else "")) + "\n",
                       style="bold")
        if d.line_consent:  # whom the line reaches and the consent on record (imported text)
            _label(out, "line")
            out.append(safe.one_line(d.line_consent) + "\n")
        out.append("\n")
        brief = list(d.brief)
        if brief:  # its first line is the attempt count (review.brief): shown here, once
            out.append(safe.one_line(brief.pop(0)) + "\n", style="bold")
        for fu in d.follow_ups:
            local = fu.due_start.astimezone(d.zone)
            kind = {FU_PROMISE: "promised", FU_CALLBACK: "callback"}.get(fu.kind, fu.channel)
            if fu.status == "missed":  # its window has passed: own it on the call
                out.append(f"MISSED: {kind} {local:%a %d %b %H:%M} ", style="bold red")
            else:
                out.append(f"next: {kind} {local:%a %d %b %H:%M} ", style="yellow")
            out.append(safe.one_line(fu.label) + "\n")
        if p.research_notes:
            out.append("\nresearch\n", style="bold underline")
            out.append(safe.clean(p.research_notes).rstrip() + "\n")
        if brief:
            out.append("\nbrief\n", style="bold underline")
            for b in brief:
                out.append("- " + safe.one_line(b) + "\n")
        vm = next((t for t in d.touches if t.channel == "voicemail"), None)
        if vm is not None:
            local = vm.started_at.astimezone(d.zone)
            out.append(f"\nlast voicemail {local:%a %d %b %H:%M}", style="bold")
            if vm.promised:
                out.append(" promised " + safe.one_line(vm.promised))
            if vm.note:
                out.append(" - " + safe.one_line(vm.note), style="italic")
            out.append("\n")
        out.append(f"\nhistory ({d.total_touches}), newest first\n", style="bold underline")
        for t in d.touches[:HISTORY_SHOWN]:
            mine, theirs = t.started_at.astimezone(rep_zone), t.started_at.astimezone(d.zone)
            out.append(f"{mine:%d %b %H:%M} (their {theirs:%H:%M}) ", style="dim")
            out.append(f"{self.dispositions.words(t.outcome)} ")
            if t.phone:
                out.append(t.phone + " ", style="dim")
            if t.note:
                out.append(safe.one_line(t.note), style="italic")
            out.append("\n")
        if not d.touches:
            out.append("no touches yet\n", style="dim")
        elif d.total_touches > HISTORY_SHOWN:
            out.append(f"h: full history ({d.total_touches} touches)\n", style="dim")
        return out
