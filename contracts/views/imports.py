"""The bulk import screens (staff): the imports and the upload form, then one import with its
progress (polled by htmx every 2 s until it is finished) and its report of refused rows."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from contracts.alternance.imports import MAX_IMPORT_BYTES, contract_import_request
from contracts.models import ContractImport
from opco.access import allow
from opco.lists import stream_csv

# The refused rows shown on the page; the whole report is the CSV download.
REPORT_ROWS_SHOWN = 500


class ContractImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier à importer",
        help_text=(
            f"CSV (colonnes aux noms pointés : « employeur.siret », « contrat.date_debut »…, listes en JSON) ou JSON "
            f"lignes (.jsonl, un dossier par ligne) ; {MAX_IMPORT_BYTES // (1024 * 1024)} Mo au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.json", "class": "form-control"}),
    )


def imports_of_staff():
    return ContractImport.objects.select_related("requested_by")


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def contract_imports(request):
    """The latest imports; a staff member uploads a file, run by Celery."""
    form = ContractImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = contract_import_request(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
        else:
            messages.success(request, f"Import n° {job.pk} demandé : il s'exécute en tâche de fond.")
            return redirect("contract_imports:detail", pk=job.pk)
    imports = imports_of_staff()[:50]
    return render(request, "contracts/imports/import_list.html", {"imports": imports, "form": form})


def report_lines(job: ContractImport):
    """(line, field, reason) for each refused field of each refused row."""
    for row in job.report:
        for field, reason in row["errors"].items():
            yield row["line"], field, reason


@allow(roles.STAFF)
def contract_import_detail(request, pk: int):
    job = get_object_or_404(imports_of_staff(), pk=pk)
    context = {
        "job": job,
        "report": job.report[:REPORT_ROWS_SHOWN] if job.finished else [],
        "report_cut": job.finished and len(job.report) > REPORT_ROWS_SHOWN,
        "rows_shown": REPORT_ROWS_SHOWN,
    }
    template = "contracts/imports/_import_progress.html" if request.htmx else "contracts/imports/import_detail.html"
    return render(request, template, context)


def _cell(value):
    """A report cell as text a spreadsheet will not run as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


@allow(roles.STAFF)
def contract_import_report(request, pk: int):
    """The refused rows of an import, one line per refused field (CSV, semicolons)."""
    job = get_object_or_404(imports_of_staff(), pk=pk)
    rows = ([line, _cell(field), _cell(reason)] for line, field, reason in report_lines(job))
    return stream_csv(f"import-{job.pk}-lignes-refusees.csv", ["Ligne", "Champ", "Motif"], rows)
