from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from contracts.api import SIMULATOR_ROLES
from contracts.financing.io import InvalidInput
from contracts.financing.service import simulation_run
from contracts.forms import SimulationForm
from contracts.pdf import KIND_LABELS, simulation_pdf
from opco.access import allow
from referentials.models import Certification


@allow(*SIMULATOR_ROLES)
def simulator(request):
    """« Simulateur de prise en charge »: the form, then the schedule by year and by instalment.
    A GET, so that a simulation can be shared, printed, or fetched as PDF (format=pdf)."""
    form = SimulationForm(request.GET or None)
    context = {"form": form, "kind_labels": KIND_LABELS}
    if form.is_bound and form.is_valid():
        try:
            schedule, npec_origin = simulation_run(form.payload())
        except InvalidInput as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            if request.GET.get("format") == "pdf":
                return _pdf_response(form, schedule, npec_origin)
            query = request.GET.copy()
            query["format"] = "pdf"
            context.update(
                schedule=schedule,
                npec_origin=npec_origin,
                certification=form.certification,
                company=form.company,
                pdf_query=query.urlencode(),
            )
    return render(request, "contracts/simulator.html", context)


def _pdf_response(form: SimulationForm, schedule, npec_origin: str) -> HttpResponse:
    inputs = [
        (form.fields[name].label, _display(value)) for name, value in form.cleaned_data.items() if value not in (None, "", False)
    ]
    content = simulation_pdf(
        schedule=schedule,
        npec_origin=npec_origin,
        opco_name=settings.OPCO_NAME,
        generated_on=timezone.localdate().strftime("%d/%m/%Y"),
        inputs=inputs,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="simulation-{timezone.localdate().isoformat()}.pdf"'
    return response


def _display(value) -> str:
    if value is True:
        return "oui"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


@allow(*SIMULATOR_ROLES)
def certification_suggestions(request):
    """htmx: certifications matching what is typed in the RNCP field (code or words of the title)."""
    typed = request.GET.get("rncp", "").strip()
    certifications = Certification.objects.none()
    if len(typed) >= 3:
        code = typed.upper().replace(" ", "")
        by_code = (
            Q(rncp__startswith=code if code.startswith("RNCP") else f"RNCP{code}") if code.removeprefix("RNCP").isdigit() else Q()
        )
        by_title = Q(title__icontains=typed)
        certifications = Certification.objects.filter(by_code | by_title if by_code else by_title).exclude(rncp="NR")
        certifications = certifications.order_by("-active", "rncp").only("rncp", "title", "level")[:20]
    return render(request, "contracts/_certification_options.html", {"certifications": certifications})
