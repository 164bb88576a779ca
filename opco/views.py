from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts import roles
from branches.selectors import branches_visible_to
from opco.access import allow
from referentials.models import Certification, Company, Idcc, TrainingProvider


@allow(*roles.ANY_USER)
def home(request):
    """The landing page: what each role can do, with the size of the referentials."""
    context = {
        "counts": {
            "providers": TrainingProvider.objects.count(),
            "certifications": Certification.objects.count(),
            "idcc": Idcc.objects.count(),
            "companies": Company.objects.count(),
        },
        "my_branches": branches_visible_to(request.user) if roles.BRANCH_REP(request.user) else None,
    }
    return render(request, "home.html", context)


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
