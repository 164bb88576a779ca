from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
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
