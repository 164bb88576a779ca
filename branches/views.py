from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from accounts import roles
from branches.selectors import branches_visible_to
from opco.access import allow
from referentials.selectors import companies_visible_to


@allow(*roles.ANY_USER)
def branch_list(request):
    """Staff and advisors see every branch; a representative only theirs."""
    branches = branches_visible_to(request.user).annotate(idcc_count=Count("idccs")).order_by("name")
    return render(request, "branches/branch_list.html", {"branches": branches})


@allow(*roles.ANY_USER)
def branch_detail(request, pk: int):
    branch = get_object_or_404(branches_visible_to(request.user), pk=pk)
    idccs = branch.idccs.order_by("code")
    companies = companies_visible_to(request.user).filter(idcc__in=idccs)
    context = {"branch": branch, "idccs": idccs, "company_count": companies.count(), "companies": companies[:20]}
    return render(request, "branches/branch_detail.html", context)
