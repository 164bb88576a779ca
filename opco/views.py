from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from opco.home import PANELS, TILES


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
