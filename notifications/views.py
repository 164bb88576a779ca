"""« Mes notifications »: the user's notifications, marking them read, and their preferences. Thin:
selectors read, services write; htmx swaps the list or the panel, plain forms work without it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from notifications import selectors, services
from notifications.forms import PreferencesForm
from opco.access import allow
from opco.lists import keyset_page

PAGE_SIZE = 25


def _list_context(request, *, form: PreferencesForm | None = None) -> dict:
    unread_only = request.GET.get("non_lues") == "1"
    rows = selectors.notifications_for(request.user, unread_only=unread_only)
    return {
        # Keyset pages, newest first (opco.lists): a long history costs what its first page costs.
        "page": keyset_page(request.GET, rows, sort_fields={"date": "created_at"}, default_sort="-date", per_page=PAGE_SIZE),
        "unread_only": unread_only,
        "unread": selectors.unread_count(request.user),
        "form": form or PreferencesForm(preferences=selectors.preferences_for(request.user)),
    }


@allow(*roles.ANY_USER)
@require_GET
def notification_list(request):
    template = "notifications/_list.html" if request.htmx else "notifications/list.html"
    return render(request, template, _list_context(request))


@allow(*roles.ANY_USER)
@require_POST
def notification_mark_read(request):
    """« Marquer comme lue » (ids=…) or « Tout marquer comme lu » (all=1): the user's own only."""
    if request.POST.get("all") == "1":
        ids = None
    else:
        ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
        if not ids:
            messages.warning(request, "Aucune notification choisie.")
            return redirect("notifications:list")
    count = services.notifications_mark_read(user=request.user, ids=ids)
    if request.htmx:
        # The list is swapped in place; it keeps the filter the page was showing.
        request.GET = request.GET.copy()
        request.GET["non_lues"] = request.POST.get("non_lues", "")
        return render(request, "notifications/_list.html", _list_context(request))
    if count:
        messages.success(request, services.marked_read_text(count) + ".")
    query = "?non_lues=1" if request.POST.get("non_lues") == "1" else ""
    return redirect(reverse("notifications:list") + query)


@allow(*roles.ANY_USER)
@require_POST
def notification_preferences(request):
    form = PreferencesForm(request.POST, preferences=selectors.preferences_for(request.user))
    if not form.is_valid():
        return render(request, "notifications/list.html", _list_context(request, form=form), status=400)
    changed = services.notification_preferences_set(user=request.user, choices=form.choices())
    messages.success(request, "Préférences enregistrées." if changed else "Aucune préférence n'a changé.")
    return redirect("notifications:list")


@allow(*roles.ANY_USER)
@require_GET
def notification_panel(request):
    """The panel alone, for a page that refreshes it with htmx."""
    return render(request, "notifications/_panel.html")
