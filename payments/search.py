"""What the header's search finds among payable lines (opco.search): by file number (a line's
reference starts with it) or the beneficiary's SIRET or name; staff only, through the selector."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from accounts import roles
from opco.money import euros
from opco.search import Hit, register_kind, words
from payments.filtersets import LineFilter
from payments.selectors import lines_visible_to
from referentials.validators import normalize_identifier


def line_hits(user, text: str):
    compact = normalize_identifier(text)
    lines = lines_visible_to(user)
    if compact.isdigit() and len(compact) in (9, 14):
        rows = LineFilter().filter_beneficiary(lines, "beneficiary", text)
    else:
        rows = lines.filter(Q(reference__icontains=text.strip()) | words(text, ("account__name",)))
    for line in rows.order_by("-due_date", "-id"):
        yield Hit(
            f"{line.reference} — {euros(line.amount)}",
            f"{line.account.name} · {line.get_status_display()} · payable à partir du {line.due_date:%d/%m/%Y}",
            f"{reverse('payments:lines')}?{urlencode({'reference': line.reference})}",
        )


def _list_url(text: str) -> str:
    return f"{reverse('payments:lines')}?{urlencode({'reference': text})}"


def register() -> None:
    register_kind("payable_lines", label="Lignes à payer", search=line_hits, list_url=_list_url, roles=(roles.STAFF,), order=70)
