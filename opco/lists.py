"""The list screen of the house: queryset + FilterSet + table, paginated, exportable as CSV.

Every search screen (NetBox's pattern) is one `FilteredListView` subclass: the rows come from the
app's selector (scoped to the user), the filters from its FilterSet, and the CSV export contains
exactly what is filtered, streamed so that a large export never sits in memory.
"""

import csv
from collections.abc import Callable, Iterator
from functools import cached_property

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.generic import ListView

from opco import audit
from opco.access import RoleRequiredMixin


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows (COUNT over a LIMIT subquery), so that a page of a table of
    millions costs the same as a page of a small one; beyond the cap the screen asks to filter."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.COUNT_CAP + 1].count()
        self.count_is_capped = counted > self.COUNT_CAP
        return min(counted, self.COUNT_CAP)

    count_is_capped = False


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
    and `base_queryset()` (the selector call that scopes rows to the user)."""

    filterset_class = None
    template_name = "includes/filtered_list.html"
    paginate_by = 50
    paginator_class = CappedPaginator
    partial_template_name: str | None = None
    export_name = "export"
    # (header, accessor) pairs; an accessor is an attribute path ("naf.code") or a callable.
    export_columns: list[tuple[str, str | Callable]] = []
    page_title = ""

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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=self.filterset,
            querystring=query.urlencode(),
            page_title=self.page_title,
            partial_template_name=self.partial_template_name,
        )
        return context

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
        queryset = self.get_queryset()
        audit.record(
            actor=self.request.user,
            action="export_csv",
            summary=f"Export CSV « {self.export_name} » ({self.request.GET.urlencode() or 'sans filtre'})",
        )
        header = [title for title, _ in self.export_columns]
        rows = ([self._value(obj, acc) for _, acc in self.export_columns] for obj in queryset.iterator(chunk_size=2000))
        stamp = timezone.localdate().isoformat()
        return stream_csv(f"{self.export_name}-{stamp}.csv", header, rows)
