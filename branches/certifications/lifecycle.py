"""The RNCP's life for a branch: the certifications it uses (its registered projects and, through the
sources higher apps register, the certifications of its contracts), their registration end from the
referential, the renewal alerts 12, 6 and 3 months before (each sent once: notifications' reminders
are unique per target, kind and day). The new RNCP certifications with no NPEC are a selector
(selectors.new_rncp_without_npec).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse

from branches.certifications import rncp
from branches.certifications.criteria import renewal_alert_dates
from branches.certifications.enums import ProjectStatus
from notifications.services import reminder_schedule, reminders_cancel
from opco.checks import fr_date

RENEWAL_REMINDER = "certification_renewal"

# A higher app says which certifications a branch's files use: `source(branch) -> iterable of fiche codes`
# (contracts registers its contracts' RNCP fiches in its AppConfig.ready(); branches never imports it).
_USED_SOURCES: dict[str, tuple[str, Callable]] = {}


def register_used_certifications(key: str, label: str, source: Callable[[object], Iterable[str]]) -> None:
    _USED_SOURCES[key] = (label, source)


@dataclass
class UsedCertification:
    rncp: str
    title: str = ""
    ends_on: date | None = None
    sources: list[str] = field(default_factory=list)
    project: object = None

    def months_left(self, today: date) -> int | None:
        if self.ends_on is None:
            return None
        return (self.ends_on.year - today.year) * 12 + self.ends_on.month - today.month - (self.ends_on.day < today.day)


def certifications_used_by(branch) -> list[UsedCertification]:
    """Every certification the branch uses, with its registration end (rncp.registration_end)."""
    from branches.certifications.models import CertificationProject
    from referentials.models import Certification

    used: dict[str, UsedCertification] = {}
    projects = CertificationProject.objects.filter(branch=branch, status=ProjectStatus.REGISTERED).exclude(rncp_code="")
    for project in projects:
        item = used.setdefault(project.rncp_code, UsedCertification(project.rncp_code, project.title))
        item.sources.append("projet de la branche")
        item.project = project
    for label, source in _USED_SOURCES.values():
        for code in source(branch):
            if code:
                used.setdefault(code, UsedCertification(code)).sources.append(label)
    titles = dict(Certification.objects.filter(rncp__in=used).values_list("rncp", "title"))
    for item in used.values():
        item.title = item.title or titles.get(item.rncp, "")
        item.ends_on = rncp.registration_end(item.rncp)
    return sorted(used.values(), key=lambda item: (item.ends_on or date.max, item.rncp))


def _due_alert(ends_on: date, today: date) -> tuple[int, date] | None:
    """The alert whose window today is in: from its day until the next alert's (a 12-month alert is
    not sent late once the 6-month one is due); None before the first and after the end."""
    alerts = renewal_alert_dates(ends_on)
    for index, (months, on) in enumerate(alerts):
        following = alerts[index + 1][1] if index + 1 < len(alerts) else ends_on
        if on <= today < following:
            return months, on
    return None


def renewal_alerts_schedule(*, today: date) -> int:
    """The daily producer (notifications.deadlines): for every branch and certification it uses, the
    alert due today or since its day; the number planned for the first time."""
    from branches.certifications.models import CertificationWatch
    from branches.certifications.services import _first_writer
    from branches.models import Branch

    planned = 0
    for branch in Branch.objects.filter(active=True):
        seat = _first_writer(branch)
        for item in certifications_used_by(branch):
            if item.ends_on is None or seat is None:
                continue
            with transaction.atomic():
                watch, _ = CertificationWatch.objects.get_or_create(branch=branch, rncp=item.rncp)
                if watch.ends_on != item.ends_on:
                    # A new end date (a renewal registered): alerts planned on the old one no longer hold.
                    reminders_cancel(target=watch, kind=RENEWAL_REMINDER)
                    watch.ends_on = item.ends_on
                    watch.save(update_fields=["ends_on"])
                due = _due_alert(item.ends_on, today)
                if due is None:
                    continue
                months, on = due
                link = reverse("branches:certifications:certification", args=[item.rncp])
                reminder = reminder_schedule(
                    target=watch,
                    kind=RENEWAL_REMINDER,
                    due_on=on,
                    recipient=seat.user,
                    subject=f"{item.rncp} : fin d'enregistrement le {fr_date(item.ends_on)} (dans {months} mois)",
                    context={
                        "message": f"L'enregistrement de {item.rncp} {item.title} prend fin le {fr_date(item.ends_on)}. "
                        "Sans renouvellement, la certification sort du répertoire (L6113-5, L6113-7)."
                    },
                    link=link,
                )
                planned += reminder.status == "planned"
    return planned
