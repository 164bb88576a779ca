"""`{% sort_header "Reçu le" "recu" %}`: a sortable column header of a FilteredListView / keyset_page
list. The link keeps the filters, drops the cursor (a new sort starts at its first page), toggles the
direction on the active column and says the current order to assistive technologies (aria-sort)."""

from django import template
from django.http import QueryDict
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, label: str, key: str, first: str = "asc"):
    """`first`: the direction a click on an inactive column sorts by (« desc » for dates and amounts)."""
    current = context.get("sort") or ""
    active = current.removeprefix("-") == key
    descending = current.startswith("-")
    if active:
        target = key if descending else f"-{key}"
        aria, arrow = ("descending", " ▼") if descending else ("ascending", " ▲")
    else:
        target = f"-{key}" if first == "desc" else key
        aria, arrow = "none", ""
    query = QueryDict(context.get("querystring") or "", mutable=True)
    query["sort"] = target
    href = "?" + query.urlencode()
    title = f"Trier par « {label} »"
    target = context.get("list_target", "#results")
    if not target:  # a list inside a page: a plain link, to the list's anchor
        return format_html(
            '<th scope="col" aria-sort="{}"><a class="sort-link text-reset" href="{}{}" title="{}" data-sort="{}">{}'
            '<span aria-hidden="true">{}</span></a></th>',
            aria,
            href,
            context.get("list_anchor", ""),
            title,
            key,
            label,
            arrow,
        )
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="sort-link text-reset" href="{}" hx-get="{}" hx-target="{}" '
        'hx-push-url="true" title="{}" data-sort="{}">{}<span aria-hidden="true">{}</span></a></th>',
        aria,
        href,
        href,
        target,
        title,
        key,
        label,
        arrow,
    )
