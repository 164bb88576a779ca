from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache

from opco.home import PANELS, TILES
from opco.workflow import DUE_SOON_DAYS, files_due


def home(request):
    """The landing page: what the apps registered for this user (opco.home). Who may open it is declared
    where it is wired (opco/urls.py): the roles belong to accounts, above opco."""
    return render(request, "home.html", {"panels": PANELS.render(request), "tiles": TILES.render(request)})


@login_not_required
@never_cache
def health(request):
    """For load balancers: the process answers and the database too. Public, says nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def admin_login_redirect(request):
    """The Django admin has no login of its own: it would bypass MFA and the lockout screens."""
    next_url = request.GET.get("next", reverse("admin:index"))
    return redirect(f"{reverse('account_login')}?next={next_url}")


def search(request):
    """The header's one box: every kind the apps registered (opco.search), grouped, each scoped to the
    user by its app's selector. The box posts, so that a NIR typed there never enters an address, a
    log or the browser's history; a NIR in an address (GET) is not searched. Who may open it is
    declared where it is wired (opco/urls.py)."""
    from opco.search import looks_like_nir, search_everything

    # The header's box is « recherche » (a list's own filter is « q », on the same page), this page's « q ».
    data = request.POST if request.method == "POST" else request.GET
    text = data.get("recherche") or data.get("q") or ""
    text = text.strip()[:100]
    nir = looks_like_nir(text)
    refused = nir and request.method != "POST"
    groups = [] if refused else search_everything(request.user, text)
    return render(
        request,
        "search.html",
        {
            "text": "" if nir else text,  # a NIR is never written back into the page
            "searched": bool(text) and not refused,
            "by_nir": nir and not refused,
            "refused_nir": refused,
            "groups": groups,
            "total": sum(len(group.hits) for group in groups),
        },
    )


def deadlines(request):
    """« Échéances » : the files of every kind waiting for a decision, overdue or due within 5 days,
    for one gestionnaire (yourself by default), for nobody (unassigned) or for everyone. Staff only,
    declared where it is wired (opco/urls.py)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    today = timezone.localdate()
    who = request.GET.get("gestionnaire", "moi")
    User = get_user_model()
    if who == "tous":
        rows = files_due(today=today, within_days=DUE_SOON_DAYS)
    elif who == "personne":
        rows = files_due(today=today, within_days=DUE_SOON_DAYS, unassigned=True)
    else:
        member = request.user if who == "moi" else User.objects.filter(pk=who if who.isdigit() else None).first()
        rows = files_due(today=today, within_days=DUE_SOON_DAYS, assigned_to=member or request.user)
    staff = User.objects.filter(is_active=True, kind="staff").order_by("last_name", "first_name")
    context = {
        "overdue": [row for row in rows if row.overdue],
        "soon": [row for row in rows if not row.overdue],
        "who": who,
        "staff": staff,
        "today": today,
        "within_days": DUE_SOON_DAYS,
    }
    return render(request, "deadlines.html", context)


# --- Error handlers (opco/urls.py handler400 … handler500) -----------------------------------------
# A page for people, in the site's layout; `{"errors": {"detail": …}}` for the API's callers. DRF answers
# the errors raised inside API views itself; these answer what happens before or around them (an
# unknown /api/ path, a host not allowed, a crash that DRF re-raises).
API_PREFIX = "/api/"
API_ERROR_MESSAGES = {
    400: "Requête invalide : elle est incomplète, mal formée ou adressée à un nom de site non autorisé.",
    403: "Accès refusé : votre rôle ne permet pas d'utiliser cette ressource.",
    404: "Ressource introuvable : vérifiez l'adresse appelée.",
    500: "Erreur interne du serveur : l'incident est enregistré, réessayez dans quelques instants.",
}


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api_error(status: int) -> JsonResponse:
    # The exception's own text never reaches the caller: it may name internals.
    body = {"errors": {"detail": API_ERROR_MESSAGES[status]}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _error_page(request, status: int):
    if _is_api(request):
        return _api_error(status)
    return render(request, f"{status}.html", status=status)


def bad_request(request, exception=None):
    return _error_page(request, 400)


def permission_denied(request, exception=None):
    return _error_page(request, 403)


def page_not_found(request, exception=None):
    return _error_page(request, 404)


def server_error(request):
    """Rendered from settings alone: no request context, so no context processor reads the user, the
    session or the database — the very things that may have failed."""
    if _is_api(request):
        return _api_error(500)
    return HttpResponseServerError(loader.get_template("500.html").render({"OPCO_NAME": settings.OPCO_NAME}))
