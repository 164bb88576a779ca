"""The CFAs' invoices and attestations on the staff screens: the list of received documents (filters,
CSV export) with the upload form, and the section of the contract page that lists the contract's
documents and its instalments with what each one waits for (R6332-25).

Writes go through `contracts.alternance.cfa_documents.cfa_document_receive`, like the API: a refusal shows its
French message next to the field it names and stores nothing. Gestionnaires and finance staff
record documents; every staff member reads them. Files are served only through a view that checks
the contract's scoping, never from a public media URL.
"""

import mimetypes
import os
import uuid
from datetime import date

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from contracts.alternance.cfa_documents import cfa_document_receive, may_record
from contracts.alternance.documents import document_content_type
from contracts.alternance.payability import decide, facts_of
from contracts.enums import CfaDocumentKind
from contracts.models import ApprenticeshipContract, CfaDocument
from contracts.pdf import KIND_LABELS
from contracts.selectors import contracts_visible_to
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors
from opco.lists import FilteredListView
from payments.enums import ScheduleStatus
from referentials.validators import normalize_identifier

# Who may record a CFA document is the service's rule (contracts.alternance.cfa_documents), asked here.
can_upload = may_record


# --- The upload form --------------------------------------------------------------------------------
class CfaDocumentForm(StyledForm):
    contract = forms.CharField(label="N° de dossier ou n° DECA", max_length=32)
    kind = forms.ChoiceField(label="Pièce", choices=CfaDocumentKind.choices)
    cfa_siret = forms.CharField(label="SIRET du CFA émetteur", max_length=20)
    year = forms.IntegerField(
        label="Année du contrat",
        min_value=1,
        max_value=10,
        required=False,
        help_text="Pour une facture annuelle : 1, 2, 3…",
    )
    number = forms.CharField(label="N° de facture", max_length=64, required=False, help_text="Pour une facture.")
    amount = forms.DecimalField(label="Montant facturé (€)", min_value=0, max_digits=14, decimal_places=2, required=False)
    issued_on = forms.DateField(label="Émise le", required=False, widget=DateWidget())
    received_on = forms.DateField(label="Reçue le", required=False, widget=DateWidget(), help_text="Aujourd'hui si vide.")
    file = forms.FileField(
        label="Fichier (PDF, JPEG ou PNG, 10 Mo au plus)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, contract: ApprenticeshipContract | None = None, **kwargs):
        """On a contract's page the contract is known: the field goes, the CFA's SIRET is proposed."""
        super().__init__(*args, **kwargs)
        self.fixed_contract = contract
        if contract is not None:
            del self.fields["contract"]
            self.fields["cfa_siret"].initial = contract.cfa_siret

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            document_content_type(upload)  # the checks of the contract's own documents
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"])
        # Stored under a random name (contracts.alternance.documents does the same).
        upload.name = f"{uuid.uuid4().hex}{os.path.splitext(upload.name or '')[1].lower()}"
        return upload

    def receive(self, actor):
        """The service's answer, or None with its refusal shown next to the field it names."""
        data = self.cleaned_data
        reference = self.fixed_contract.file_number if self.fixed_contract else data["contract"]
        try:
            return cfa_document_receive(
                actor=actor,
                contract_reference=reference,
                kind=data["kind"],
                cfa_siret=data["cfa_siret"],
                year=data.get("year"),
                number=data.get("number") or "",
                amount=data.get("amount"),
                issued_on=data.get("issued_on"),
                received_on=data.get("received_on"),
                file=data["file"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        return None


def success_message(received) -> str:
    document = received.document
    return f"{document} enregistrée : {len(received.matched)} échéance(s) concernée(s), {received.released} mise(s) en paiement."


# --- The list of received documents ------------------------------------------------------------------
class CfaDocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="Pièce", choices=CfaDocumentKind.choices, empty_label="Toutes")
    cfa_siret = django_filters.CharFilter(label="SIRET du CFA", method="filter_siret")
    contract = django_filters.CharFilter(label="N° de dossier ou DECA", method="filter_contract")
    received_from = django_filters.DateFilter(
        label="Reçue à partir du", field_name="received_on", lookup_expr="gte", widget=DateWidget()
    )
    received_to = django_filters.DateFilter(
        label="Reçue jusqu'au", field_name="received_on", lookup_expr="lte", widget=DateWidget()
    )

    class Meta:
        model = CfaDocument
        fields = ["kind", "cfa_siret", "contract", "received_from", "received_to"]

    def filter_siret(self, queryset, name, value):
        return queryset.filter(cfa_siret=normalize_identifier(value))

    def filter_contract(self, queryset, name, value):
        reference = value.strip()
        return queryset.filter(Q(contract__file_number=reference.upper()) | Q(contract__deca_number=reference))


def _instalments(document: CfaDocument) -> str:
    """« Solde année 1, Avance année 2 » (from the prefetched instalments)."""
    return ", ".join(f"{KIND_LABELS.get(i.kind, i.kind)} année {i.year}" for i in document.instalments.all()) or "—"


EXPORT_COLUMNS = [
    ("Reçue le", "received_on"),
    ("N° de dossier", "contract.file_number"),
    ("N° DECA", "contract.deca_number"),
    ("Pièce", lambda d: d.get_kind_display()),
    ("Année", lambda d: d.year or ""),
    ("SIRET du CFA", "cfa_siret"),
    ("N° de facture", "number"),
    ("Montant", lambda d: "" if d.amount is None else d.amount),
    ("Émise le", lambda d: d.issued_on or ""),
    ("Échéances concernées", _instalments),
    ("Reçue par", lambda d: d.get_source_display()),
    ("Enregistrée par", lambda d: str(d.received_by) if d.received_by_id else ""),
    ("Fichier joint", lambda d: "oui" if d.file else "non"),
]


def documents_visible_to(user):
    """The documents of the contracts the user may see (staff: all of them)."""
    return CfaDocument.objects.filter(contract__in=contracts_visible_to(user).values("pk"))


class CfaDocumentListView(FilteredListView):
    """Staff: the received invoices and attestations; gestionnaires and finance record new ones."""

    allowed_roles = (roles.STAFF,)
    filterset_class = CfaDocumentFilter
    template_name = "contracts/cfa_documents.html"
    partial_template_name = "contracts/cfa_documents_table.html"
    page_title = "Factures et attestations des CFA"
    export_name = "factures-attestations-cfa"
    sort_fields = {
        "recu": "received_on",
        "dossier": "contract__file_number",
        "piece": "kind",
        "cfa": "cfa_siret",
        "numero": "number",
        "montant": "amount",
        "source": "source",
    }
    default_sort = "-recu"
    export_columns = EXPORT_COLUMNS

    def base_queryset(self):
        return (
            documents_visible_to(self.request.user)
            .select_related("contract", "received_by")
            .prefetch_related("instalments")
            .annotate(instalment_count=Count("instalments"))
            .order_by("-received_on", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_upload"] = can_upload(self.request.user)
        if context["can_upload"] and "form" not in context:
            context["form"] = CfaDocumentForm(prefix="cfa")
        for document in context["object_list"]:
            document.instalment_labels = _instalments(document)
        return context

    def post(self, request, *args, **kwargs):
        if not can_upload(request.user):
            raise PermissionDenied("Seuls les gestionnaires et le service financier enregistrent les pièces des CFA.")
        form = CfaDocumentForm(request.POST, request.FILES, prefix="cfa")
        received = form.receive(request.user) if form.is_valid() else None
        if received is not None:
            messages.success(request, success_message(received))
            return redirect("contracts:cfa_documents")
        messages.error(request, "Pièce non enregistrée : corrigez les champs signalés.")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


# --- The section of the contract page ---------------------------------------------------------------
def instalment_rows(contract: ApprenticeshipContract, today: date) -> list[dict]:
    """The live instalments with their status and, for a planned one, what it waits for."""
    commitment = getattr(contract, "commitment", None)
    if commitment is None:
        return []
    facts = facts_of([contract])[contract.pk]
    rows = []
    for instalment in commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).order_by("due_date", "year", "id"):
        condition = ""
        if instalment.status == ScheduleStatus.PLANNED:
            decision = decide(instalment, facts, today)
            if decision.not_due:
                condition = "Non due : pièces finales non reçues dans les 4 mois (R6332-25 III 4°)"
            elif decision.due is None:
                condition = f"En attente : {decision.waiting_for}"
            elif decision.due > today:
                condition = f"Payable à partir du {decision.due:%d/%m/%Y}"
            else:
                condition = "Conditions réunies : mise en paiement au prochain traitement"
        rows.append(
            {
                "instalment": instalment,
                "kind_label": KIND_LABELS.get(instalment.kind, instalment.kind),
                "status": instalment.get_status_display(),
                "condition": condition,
            }
        )
    return rows


def _section_context(request, contract: ApprenticeshipContract, form=None) -> dict:
    funded = hasattr(contract, "commitment")
    uploads = can_upload(request.user) and funded
    if uploads and form is None:
        form = CfaDocumentForm(prefix="cfa", contract=contract)
    documents = list(contract.cfa_documents.select_related("received_by").prefetch_related("instalments"))
    for document in documents:
        document.instalment_labels = _instalments(document)
    return {
        "contract": contract,
        "has_commitment": funded,
        "documents": documents,
        "rows": instalment_rows(contract, timezone.localdate()),
        "form": form if uploads else None,
        "can_upload": uploads,
    }


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def contract_cfa_documents(request, pk: int):
    """GET: the section (htmx, loaded by the contract page) or the same as a page; POST: record a
    document of this contract."""
    contract = get_object_or_404(contracts_visible_to(request.user).select_related("commitment", "cfa", "rupture"), pk=pk)
    template = "contracts/cfa_documents_section.html" if request.htmx else "contracts/cfa_documents_contract.html"
    if request.method == "GET":
        return render(request, template, _section_context(request, contract))
    if not can_upload(request.user):
        raise PermissionDenied("Seuls les gestionnaires et le service financier enregistrent les pièces des CFA.")
    form = CfaDocumentForm(request.POST, request.FILES, prefix="cfa", contract=contract)
    received = form.receive(request.user) if form.is_valid() else None
    if received is None:
        return render(request, template, {**_section_context(request, contract, form), "refused": True})
    messages.success(request, success_message(received))
    # No anchor: a location differing from the page's only by its fragment would not reload it (the
    # recorded piece and the French message would stay unseen, and people submitted twice).
    target = reverse("contracts:detail", args=[contract.pk])
    if request.htmx:
        # The whole page is reloaded: the message on top, the schedule showing the instalments now payable.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@allow(roles.STAFF)
def cfa_document_download(request, pk: int):
    """A document's file, through the scoping of its contract, as an attachment."""
    document = get_object_or_404(documents_visible_to(request.user).select_related("contract"), pk=pk)
    if not document.file:
        raise Http404("Aucun fichier n'est joint à cette pièce.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de cette pièce est introuvable.")
    extension = os.path.splitext(document.file.name)[1].lower()
    year = f"-annee{document.year}" if document.year else ""
    filename = f"{document.kind}-{document.contract.file_number}{year}{extension}"
    content_type = mimetypes.types_map.get(extension, "application/octet-stream")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
