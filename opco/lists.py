"""The list screens of the house: queryset + FilterSet + sortable table, paged by keyset, exportable as CSV.

Every search screen (NetBox's pattern) is one `FilteredListView` subclass: the rows come from the
app's selector (scoped to the user), the filters from its FilterSet, and the CSV export contains
exactly what is filtered, streamed so that a large export never sits in memory.

How to build a list (needs, funding requests, conventions… are built this way from the start):

    class NeedListView(FilteredListView):
        allowed_roles = (roles.STAFF,)
        filterset_class = NeedFilter
        partial_template_name = "needs/_table.html"
        page_title = "Besoins"
        export_name = "besoins"
        export_columns = [("N°", "number"), ("Entreprise", "company.name")]
        # The sort whitelist: URL key -> field path (a column, a related column « company__name » or an
        # annotation of base_queryset). Nothing else can be sorted on; an unknown key falls back to the default.
        sort_fields = {"numero": "number", "entreprise": "company__name", "recu": "received_on"}
        default_sort = "-recu"  # « - »: descending

        def base_queryset(self):
            return needs_visible_to(self.request.user)  # no order_by: the sort decides

and in the table template, each sortable header through one tag, the pager through one include:

    {% load lists %}
    <thead><tr>{% sort_header "N°" "numero" %}{% sort_header "Entreprise" "entreprise" %}<th scope="col">Montant</th></tr></thead>
    …
    {% include "includes/pagination.html" %}

What it does for you:
- keyset pages on (sort key, id): `?sort=-recu&after=<cursor>` asks for the rows after the last one shown,
  `before=` those before the first, `last=1` the last page. A page after row 9 950 costs what the first
  costs (no OFFSET), and rows with the same sort key are neither skipped nor repeated (the id breaks ties);
- NULLs of a nullable sort key come last ascending, first descending (PostgreSQL's B-tree order, so
  an index on the key serves both directions; SQLite is told the same explicitly);
- the count stops at COUNT_CAP: the screen says « Plus de 10 000 résultats » rather than counting further;
- the query count of a page is constant: one COUNT (capped), one page query, plus what the FilterSet
  and the view add, never one per row;
- an index on (filter column, sort key DESC, id DESC) makes a filtered, sorted page an index range scan
  (see contracts' `contract_idcc_received_idx`).

A list outside a FilteredListView (a function view) calls `keyset_page(request.GET, queryset,
sort_fields=…, default_sort=…, per_page=…)` and puts the page in its context as `page_obj` and
`paginator` (the same object), `sort`, `sort_query` and `querystring`: the same tag and include work.
"""

import base64
import binascii
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.views.generic import ListView

from opco import audit
from opco.access import RoleRequiredMixin

COUNT_CAP = 10_000
SORT_ANNOTATION = "list_sort_key"
PAGER_PARAMETERS = ("after", "before", "last", "page", "format")


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows (COUNT over a LIMIT subquery), for a list paged by number that
    cannot be long; long lists page by keyset (`keyset_page`)."""

    COUNT_CAP = COUNT_CAP

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.COUNT_CAP + 1].count()
        self.count_is_capped = counted > self.COUNT_CAP
        return min(counted, self.COUNT_CAP)

    count_is_capped = False


@dataclass(frozen=True)
class SortOrder:
    """A whitelisted sort: the URL key (« recu »), the field path, the direction, the key's field."""

    key: str
    path: str
    descending: bool
    field: models.Field | None  # None: an annotation (its output field is read from the query)

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_order(model, sort_fields: dict[str, str], requested: str | None, default_sort: str) -> SortOrder:
    """The sort the URL asks for if it is in the whitelist, else the default."""
    for candidate in (requested or "", default_sort):
        key = candidate.removeprefix("-")
        if key in sort_fields:
            path = sort_fields[key]
            return SortOrder(key, path, candidate.startswith("-"), _model_field(model, path))
    raise ImproperlyConfigured(f"Tri par défaut « {default_sort} » absent de sort_fields.")


def _model_field(model, path: str):
    """The field a path ends on (« employer__name »), None for an annotation."""
    field = None
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


class KeysetPage:
    """One page of a list walked by keyset on (sort key, id), and its capped count. Doubles as the
    paginator of the templates (`paginator.count`, `paginator.count_is_capped`)."""

    def __init__(
        self,
        rows,
        *,
        order: SortOrder,
        count: int,
        count_is_capped: bool,
        has_next: bool,
        has_previous: bool,
        base_query: QueryDict,
    ):
        self.object_list = rows
        self.order = order
        self.count = count
        self.count_is_capped = count_is_capped
        self.has_next = has_next
        self.has_previous = has_previous
        self._base = base_query

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def _query(self, **params) -> str:
        query = self._base.copy()
        for name, value in params.items():
            query[name] = value
        return query.urlencode()

    @property
    def first_query(self) -> str:
        return self._base.urlencode()

    @property
    def last_query(self) -> str:
        return self._query(last="1")

    @property
    def next_query(self) -> str:
        return self._query(after=encode_cursor(self.order, self.object_list[-1])) if self.object_list else ""

    @property
    def previous_query(self) -> str:
        return self._query(before=encode_cursor(self.order, self.object_list[0])) if self.object_list else ""


def _sort_value(order: SortOrder, row):
    if order.field is not None and LOOKUP_SEP not in order.path:
        return getattr(row, order.field.attname)
    return getattr(row, SORT_ANNOTATION)


def encode_cursor(order: SortOrder, row) -> str:
    """The (sort key, id) of a row, as an opaque URL-safe token."""
    value = _sort_value(order, row)
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, row.pk], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, order: SortOrder, queryset) -> tuple | None:
    """(value, pk) of a cursor, None for a token this list did not make (then the first page)."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        field = order.field if order.field is not None else queryset.query.annotations[SORT_ANNOTATION].output_field
        if value is not None:
            value = field.to_python(value)
        pk = queryset.model._meta.pk.to_python(pk)
    except (ValueError, TypeError, KeyError, ValidationError, binascii.Error, UnicodeDecodeError):
        return None
    return value, pk


def _walk(queryset, order: SortOrder, *, backwards: bool):
    """Rows in the walking order: the sort's, or its reverse to page backwards. NULLs last ascending,
    first descending (B-tree order), said explicitly for SQLite."""
    descending = order.descending != backwards
    ref = order.path if order.field is not None and LOOKUP_SEP not in order.path else SORT_ANNOTATION
    nullable = order.field is None or order.field.null
    key = F(ref).desc(nulls_first=True) if descending else F(ref).asc(nulls_last=True)
    if not nullable:
        key = F(ref).desc() if descending else F(ref).asc()
    pk = F("pk").desc() if descending else F("pk").asc()
    return queryset.order_by(key, pk), ref, descending, nullable


def _beyond(ref: str, value, pk, *, descending: bool, nullable: bool) -> Q:
    """The rows that come after (value, pk) in the walking order."""
    beyond = "lt" if descending else "gt"
    nulls_first = descending  # NULLs first in a descending walk, last in an ascending one
    if value is None:
        after_nulls = Q(**{f"{ref}__isnull": True, f"pk__{beyond}": pk})
        return after_nulls | Q(**{f"{ref}__isnull": False}) if nulls_first else after_nulls
    # « key ≤ v AND (key < v OR pk < p) »: the first term bounds an index range scan on (key, pk).
    condition = Q(**{f"{ref}__{beyond}e": value}) & (Q(**{f"{ref}__{beyond}": value}) | Q(**{f"pk__{beyond}": pk}))
    if nullable and not nulls_first:
        condition |= Q(**{f"{ref}__isnull": True})
    return condition


def keyset_page(
    params: QueryDict,
    queryset,
    *,
    sort_fields: dict[str, str],
    default_sort: str,
    per_page: int = 50,
    count_cap: int | None = None,
) -> KeysetPage:
    """The page `params` asks for (sort=, after=, before=, last=) of `queryset`, sorted by a whitelisted key
    then id, with the count capped at `count_cap`."""
    cap = CappedPaginator.COUNT_CAP if count_cap is None else count_cap
    order = sort_order(queryset.model, sort_fields, params.get("sort"), default_sort)
    if order.field is None or LOOKUP_SEP in order.path:
        queryset = queryset.annotate(**{SORT_ANNOTATION: F(order.path)})
    # Only the ids: the annotations of the page (subqueries per row) would otherwise run for 10 001 rows.
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    base = params.copy()
    for name in PAGER_PARAMETERS:
        base.pop(name, None)
    base["sort"] = order.param
    after = decode_cursor(params["after"], order, queryset) if params.get("after") else None
    before = decode_cursor(params["before"], order, queryset) if params.get("before") and not after else None
    backwards = bool(before) or (params.get("last") == "1" and not after)
    walked, ref, descending, nullable = _walk(queryset, order, backwards=backwards)
    cursor = after or before
    if cursor:
        walked = walked.filter(_beyond(ref, *cursor, descending=descending, nullable=nullable))
    rows = list(walked[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
        has_previous, has_next = more, bool(before) or bool(rows)
        if not before:  # the last page: nothing after it
            has_next = False
    else:
        has_previous, has_next = bool(after), more
    return KeysetPage(
        rows,
        order=order,
        count=min(counted, cap),
        count_is_capped=counted > cap,
        has_next=has_next,
        has_previous=has_previous,
        base_query=base,
    )


def list_context(page: KeysetPage, *, target: str = "#results", anchor: str = "") -> dict:
    """What the sort headers and the pager read from a template's context. `target`: the element htmx
    swaps (FilteredListView's #results); empty for a list inside a page, whose links then reload the page
    at `anchor` (« #transfers »)."""
    return {
        "page_obj": page,
        "paginator": page,
        "is_paginated": page.has_other_pages,
        "sort": page.order.param,
        "querystring": page.first_query,
        "list_target": target,
        "list_anchor": anchor,
    }


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@")
FORMULA_PREFIXES = (*FORMULA_STARTS, "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading quote
    (CSV injection, OWASP); numbers are written as they are. Spreadsheets skip leading blanks before
    reading a formula, so « =… » behind spaces, tabs, line breaks or no-break spaces counts too."""
    if value is None:
        return ""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_STARTS)):
        return "'" + value
    return value


def stream_csv(filename: str, header: list[str], rows: Iterator[list]) -> StreamingHttpResponse:
    """A CSV download (semicolon, UTF-8 with BOM: what French spreadsheets open as is)."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FilteredListView(RoleRequiredMixin, ListView):
    """Subclasses set: allowed_roles, filterset_class, template_name, export_columns, export_name,
    `sort_fields` and `default_sort` (the sort whitelist), and `base_queryset()` (the selector call
    that scopes rows to the user). Pages by keyset (`keyset_page`); see the module's docstring."""

    filterset_class = None
    template_name = "includes/filtered_list.html"
    paginate_by = 50
    partial_template_name: str | None = None
    export_name = "export"
    # (header, accessor) pairs; an accessor is an attribute path ("naf.code") or a callable.
    export_columns: list[tuple[str, str | Callable]] = []
    page_title = ""
    # URL key -> field path; the only keys a user may sort on. Every list sorts at least by id.
    sort_fields: dict[str, str] = {"id": "id"}
    default_sort = "-id"

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset(), request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.export_csv()
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.htmx and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def paginate_queryset(self, queryset, page_size):
        page = keyset_page(
            self.request.GET, queryset, sort_fields=self.sort_fields, default_sort=self.default_sort, per_page=page_size
        )
        return page, page, page.object_list, page.has_other_pages

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(list_context(context["page_obj"]))
        context.update(
            filter=self.filterset,
            page_title=self.page_title,
            partial_template_name=self.partial_template_name,
        )
        return context

    def sorted_queryset(self):
        """What is filtered, in the order the screen shows (the exports)."""
        queryset = self.get_queryset()
        order = sort_order(queryset.model, self.sort_fields, self.request.GET.get("sort"), self.default_sort)
        if order.field is None or LOOKUP_SEP in order.path:
            queryset = queryset.annotate(**{SORT_ANNOTATION: F(order.path)})
        return _walk(queryset, order, backwards=False)[0]

    @staticmethod
    def _value(obj, accessor):
        if callable(accessor):
            return accessor(obj)
        value = obj
        for part in accessor.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        return value

    def export_csv(self) -> StreamingHttpResponse:
        queryset = self.sorted_queryset()
        audit.record(
            actor=self.request.user,
            action="export_csv",
            summary=f"Export CSV « {self.export_name} » ({self.request.GET.urlencode() or 'sans filtre'})",
        )
        header = [title for title, _ in self.export_columns]
        rows = ([self._value(obj, acc) for _, acc in self.export_columns] for obj in queryset.iterator(chunk_size=2000))
        stamp = timezone.localdate().isoformat()
        return stream_csv(f"{self.export_name}-{stamp}.csv", header, rows)
