from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from contracts.api.simulations import SIMULATOR_ROLES
from contracts.financing.io import InvalidInput
from contracts.financing.professionalisation import forfait_origin
from contracts.financing.service import professionalisation_run, simulation_infer, simulation_run
from contracts.forms.instruction import ProfessionalisationSimulationForm, SimulationForm
from contracts.pdf import KIND_LABELS, simulation_pdf
from opco.access import allow
from opco.forms import add_service_errors
from opco.search import words
from referentials.models import Certification


@allow(*SIMULATOR_ROLES)
def simulator(request):
    """« Simulateur de prise en charge »: the form, then the schedule by year and by instalment.
    A GET, so that a simulation can be shared, printed, or fetched as PDF (format=pdf)."""
    form = SimulationForm(request.GET or None)
    context = {"form": form, "kind_labels": KIND_LABELS}
    if form.is_bound and form.is_valid():
        try:
            inferred = simulation_infer(form.payload())
            schedule, npec_origin = simulation_run(inferred.payload)
        except InvalidInput as exc:
            add_service_errors(form, ValidationError(exc.errors))
        else:
            if request.GET.get("format") == "pdf":
                return _pdf_response(form, schedule, npec_origin)
            query = request.GET.copy()
            query["format"] = "pdf"
            context.update(
                schedule=schedule,
                npec_origin=npec_origin,
                certification=inferred.certification,
                company=inferred.company,
                pdf_query=query.urlencode(),
            )
    return render(request, "contracts/simulator.html", context)


PRO_KIND_LABELS = {
    "advance": "Avance à l'organisme de formation (50 %)",
    "balance": "Solde à l'organisme de formation",
    "formation_tuteur": "Formation du tuteur (employeur)",
    "tutorat": "Aide au tutorat (employeur)",
}


@allow(*SIMULATOR_ROLES)
def simulator_professionalisation(request):
    """The simulator of a professionalisation contract: the forfait (D6332-85/86), the tutoring aid
    (D6332-93 1°) and the tutor's training (D6332-92), then what is paid when and to whom. The same
    service as the API (`"contrat": "professionnalisation"`) and `simulate_financing`."""
    form = ProfessionalisationSimulationForm(request.GET or None)
    context = {"form": form}
    if form.is_bound and form.is_valid():
        try:
            schedule = professionalisation_run(form.payload(), rupture_date=form.cleaned_data.get("rupture_date"))
        except InvalidInput as exc:
            add_service_errors(form, ValidationError(exc.errors))
        else:
            lines = [
                {"label": PRO_KIND_LABELS.get(line.kind, line.kind), "due_date": line.due_date, "net": line.net}
                for line in sorted(schedule.instalments, key=lambda line: (line.due_date, line.kind))
            ]
            context.update(
                financing=schedule.financing,
                origin=forfait_origin(schedule.financing),
                lines=lines,
                total=sum((line["net"] for line in lines), start=Decimal("0.00")),
            )
    return render(request, "contracts/simulator_professionalisation.html", context)


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
        by_title = words(typed, ("title",))
        certifications = Certification.objects.filter(by_code | by_title if by_code else by_title).exclude(rncp="NR")
        certifications = certifications.order_by("-active", "rncp").only("rncp", "title", "level")[:20]
    return render(request, "contracts/_certification_options.html", {"certifications": certifications})
