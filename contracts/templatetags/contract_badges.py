"""A contract's status and checks badges, drawn in Python: a list page draws a hundred of them, and an
{% include %} per cell was a tenth of the page's time under load (issue 19)."""

from django import template
from django.utils.html import format_html

from contracts.enums import ContractStatus

register = template.Library()

STATUS_COLOURS = {
    ContractStatus.REFUSED: "text-bg-danger",
    ContractStatus.BROKEN: "text-bg-danger",
    ContractStatus.INCOMPLETE: "text-bg-warning",
    ContractStatus.ACCEPTED: "text-bg-success",
    ContractStatus.DEPOSITED: "text-bg-success",
    ContractStatus.RUNNING: "text-bg-success",
    ContractStatus.ENDED: "text-bg-secondary",
}


@register.simple_tag
def status_badge(contract) -> str:
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_COLOURS.get(contract.status, "text-bg-info"), contract.get_status_display()
    )


@register.simple_tag
def checks_badge(contract) -> str:
    """The latest checks: « éligible », « bloquant », or a dash when they never ran."""
    eligible = getattr(contract, "checks_eligible", None)
    if eligible is None:
        return format_html('<span class="text-muted">—</span>')
    if eligible:
        return format_html('<span class="badge text-bg-success">éligible</span>')
    return format_html('<span class="badge text-bg-danger">bloquant</span>')
