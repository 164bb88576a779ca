"""The company page's timeline: everything the proximity service did with a company, newest first
(the other missions show theirs in their panels)."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from sme_services import selectors


@dataclass(frozen=True)
class Event:
    on: date
    kind: str
    text: str
    url: str = ""


def timeline_of(company, user, limit: int = 100) -> list[Event]:
    events = []
    for need in selectors.needs_visible_to(user).filter(company=company):
        events.append(
            Event(
                need.received_on,
                "Besoin",
                f"{need.file_number} – {need.get_subject_display()} ({need.get_status_display()})",
                reverse("sme_services:need", args=[need.pk]),
            )
        )
        if need.closed_on:
            events.append(Event(need.closed_on, "Besoin clôturé", f"{need.file_number} – {need.get_outcome_display()}"))
    for i in selectors.interactions_visible_to(user).filter(company=company):
        events.append(
            Event(i.occurred_on, i.get_kind_display(), f"{i.get_outcome_display()}{' – ' + i.next_step if i.next_step else ''}")
        )
    for d in selectors.diagnostics_visible_to(user).filter(company=company):
        events.append(
            Event(
                d.opened_on,
                "Diagnostic",
                f"{d.get_kind_display()} ({d.get_status_display()})",
                reverse("sme_services:diagnostic", args=[d.pk]),
            )
        )
    for p in selectors.afest_visible_to(user).filter(company=company):
        events.append(
            Event(
                p.created_on, "Projet AFEST", f"{p.title} ({p.get_status_display()})", reverse("sme_services:afest", args=[p.pk])
            )
        )
    for h in company.headcount_history.all():
        events.append(Event(h.as_of, "Effectif", str(h.headcount)))
    events.sort(key=lambda e: (e.on, e.kind), reverse=True)
    return events[:limit]
