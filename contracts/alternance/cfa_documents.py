"""Receiving a CFA's invoices and attestations (staff upload and POST /api/v1/invoices/): each is
matched to the instalments it unlocks (contracts.alternance.payability), or refused with a clear French
reason when it matches nothing or duplicates an earlier one. A refusal stores nothing.

Who: gestionnaires and finance only (CFA_DOCUMENT_ROLES), checked here so that every door — the
screens, the API, a command — applies the one rule.

How much: an invoice whose amount differs from what it bills (the net of the live instalments it is
about; for the copy of the employer's participation invoice, the participation) by more than the tolerance
— 1 % of that amount, 1 € at least — is stored « à vérifier »: its instalments wait
(payability.decide) until a gestionnaire or finance officer clears it with a note
(`cfa_document_review_clear`, audited). The OPCO pays its instalments, never the invoiced amount;
the check catches the invoice that does not belong to the instalments it would release."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import roles
from contracts.alternance.payability import FUNDED, contract_end, documents_deadline, instalments_release, is_new_cfa
from contracts.enums import CfaDocumentKind
from contracts.models import ApprenticeshipContract, CfaDocument, Instalment
from opco import audit
from opco.access import user_has_any_role
from opco.models import AuditEntry
from opco.money import euros, round_money
from payments.enums import ScheduleStatus
from referentials.validators import normalize_identifier

FINAL_KINDS = (
    CfaDocumentKind.FINAL_INVOICE,
    CfaDocumentKind.COMPLETION_ATTESTATION,
    CfaDocumentKind.PARTICIPATION_INVOICE,
)
INVOICE_KINDS = (CfaDocumentKind.ANNUAL_INVOICE, CfaDocumentKind.FINAL_INVOICE, CfaDocumentKind.PARTICIPATION_INVOICE)
# Who records a CFA's documents and clears an amount to review: the screens and the API read it too.
CFA_DOCUMENT_ROLES = (roles.GESTIONNAIRE, roles.FINANCE)
RECEIVE_REFUSAL = "Seuls les gestionnaires et le service financier enregistrent les pièces des CFA."
CLEAR_REFUSAL = "Seuls les gestionnaires et le service financier valident le montant d'une pièce des CFA."
# An invoice more than 1 % (1 € at least) away from what it unlocks is « à vérifier ».
AMOUNT_TOLERANCE_RATE = Decimal("0.01")
AMOUNT_TOLERANCE_FLOOR = Decimal("1.00")
NOTE_MAX = 500


@dataclass(frozen=True)
class Received:
    document: CfaDocument
    matched: list[Instalment]
    released: int


@dataclass(frozen=True)
class Cleared:
    document: CfaDocument
    released: int


def _refuse(field: str, message: str):
    raise ValidationError({field: message})


def may_record(user) -> bool:
    return user is not None and user_has_any_role(user, CFA_DOCUMENT_ROLES)


def amount_tolerance(expected: Decimal) -> Decimal:
    return max(AMOUNT_TOLERANCE_FLOOR, round_money(abs(expected) * AMOUNT_TOLERANCE_RATE))


def amount_review_reason(amount: Decimal, expected: Decimal) -> str:
    """Why an invoiced `amount` must be checked against the `expected` one, in French; empty when the
    gap is within the tolerance (boundary included)."""
    tolerance = amount_tolerance(expected)
    gap = abs(amount - expected)
    if gap <= tolerance:
        return ""
    return (
        f"Montant facturé {euros(amount)} pour {euros(expected)} d'échéances concernées : écart de {euros(gap)}, "
        f"au-delà de la tolérance de {euros(tolerance)} (1 %, 1 € au moins)."
    )


def expected_amount(contract: ApprenticeshipContract, kind: str, year: int | None) -> Decimal:
    """What an invoice of `kind` should say: the employer's participation for the copy of its invoice
    (R6332-25-1), else the net of the instalments it is about — those it unlocks, and one already
    released at its date (the previous balance of an R2021 contract), which the CFA bills all the same."""
    if kind == CfaDocumentKind.PARTICIPATION_INVOICE:
        return contract.commitment.employer_participation
    return sum(_concerned(contract, kind, year).values_list("net", flat=True), Decimal("0.00"))


def _find_contract(reference: str) -> ApprenticeshipContract:
    reference = (reference or "").strip()
    contract = (
        ApprenticeshipContract.objects.filter(Q(file_number=reference) | Q(deca_number=reference)).order_by("id").first()
        if reference
        else None
    )
    if not reference:
        _refuse("contract", "Indiquez le n° de dossier OPCO ou le n° DECA du contrat.")
    if contract is None:
        _refuse("contract", f"Aucun contrat ne porte le n° de dossier ou DECA « {reference} ».")
    return contract


def _last_year(contract: ApprenticeshipContract) -> int:
    years = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).values_list("year", flat=True)
    return max(years, default=1)


def _concerned(contract: ApprenticeshipContract, kind: str, year: int | None) -> QuerySet[Instalment]:
    """The live instalments this document is about (R6332-25), whatever their status."""
    live = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).order_by("due_date", "id")
    last_year = _last_year(contract)
    if kind == CfaDocumentKind.ANNUAL_INVOICE:
        # The advance of the year, and the balance of the previous one paid with it (III 4°).
        return live.filter(Q(year=year, kind="advance") | Q(year=year - 1, kind="balance")).exclude(
            year=last_year, kind="balance"
        )
    if kind == CfaDocumentKind.START_ATTESTATION:
        return live.filter(kind="advance")
    return live.filter(year=last_year, kind="balance", net__gt=0)


def _matches(contract: ApprenticeshipContract, kind: str, year: int | None) -> list[Instalment]:
    """The planned instalments this document unlocks (R6332-25)."""
    return list(_concerned(contract, kind, year).filter(status=ScheduleStatus.PLANNED))


def training_done_on(contract: ApprenticeshipContract) -> date:
    """The day from which the CFA can attest the training carried out: the end of the training when the
    contract gives one, the contract's term (its rupture) when that comes first."""
    end = contract_end(contract)
    return min(end, contract.training_end) if contract.training_end else end


def _refuse_early_completion(contract: ApprenticeshipContract, dated: date) -> None:
    """R6332-25 III 4°: the last balance waits for « une attestation de réalisation des actions de
    formation » sent after the contract's term; one dated before the training ends attests actions not
    yet carried out, and would release the balance years early."""
    done_on = training_done_on(contract)
    if dated < done_on:
        _refuse(
            "issued_on",
            f"Attestation de réalisation datée du {dated:%d/%m/%Y}, avant la fin de la formation du contrat "
            f"{contract.file_number} ({done_on:%d/%m/%Y}) : elle ne peut attester des actions de formation "
            "pas encore réalisées (R6332-25 III 4°).",
        )


def cfa_document_receive(
    *,
    actor,
    contract_reference: str,
    kind: str,
    cfa_siret: str,
    year: int | None = None,
    number: str = "",
    amount: Decimal | None = None,
    issued_on: date | None = None,
    received_on: date | None = None,
    file: UploadedFile | None = None,
    source: str = AuditEntry.Source.WEB,
) -> Received:
    if not may_record(actor):
        raise PermissionDenied(RECEIVE_REFUSAL)
    today = timezone.localdate()
    received_on = received_on or today
    if kind not in CfaDocumentKind.values:
        _refuse("kind", "Type de pièce inconnu.")
    if received_on > today:
        _refuse("received_on", "La date de réception ne peut pas être dans le futur.")
    if issued_on and issued_on > received_on:
        _refuse("issued_on", "La pièce ne peut pas être émise après sa réception.")
    number = (number or "").strip()
    if kind in INVOICE_KINDS and not number:
        _refuse("number", "Indiquez le numéro de la facture.")
    if kind not in INVOICE_KINDS:
        number, amount = "", None
    if kind == CfaDocumentKind.ANNUAL_INVOICE:
        if not year or year < 1:
            _refuse("year", "Indiquez l'année du contrat que la facture concerne (1, 2, 3…).")
    else:
        year = None
    cfa_siret = normalize_identifier(cfa_siret)

    with transaction.atomic():
        contract = _find_contract(contract_reference)
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).select_related("commitment").get(pk=contract.pk)
        if contract.status not in FUNDED or not hasattr(contract, "commitment"):
            _refuse(
                "contract",
                f"Le contrat {contract.file_number} n'a pas d'engagement de financement (« {contract.get_status_display()} ») : "
                "la pièce ne correspond à aucune échéance.",
            )
        if cfa_siret != contract.cfa_siret:
            _refuse(
                "cfa_siret",
                f"La pièce est émise par le SIRET {cfa_siret or '(vide)'} ; "
                f"le CFA du contrat {contract.file_number} est {contract.cfa_siret}.",
            )
        kind_label = CfaDocumentKind(kind).label
        earlier = CfaDocument.objects.filter(contract=contract, kind=kind, year=year).first()
        if earlier is not None:
            _refuse(
                "kind",
                f"{kind_label}{f' (année {year})' if year else ''} du contrat {contract.file_number} "
                f"déjà reçue le {earlier.received_on:%d/%m/%Y}.",
            )
        if number:
            same_number = CfaDocument.objects.filter(cfa_siret=cfa_siret, number=number).select_related("contract").first()
            if same_number is not None:
                _refuse(
                    "number",
                    f"La facture n° {number} de ce CFA a déjà été reçue le {same_number.received_on:%d/%m/%Y} "
                    f"(contrat {same_number.contract.file_number}).",
                )
        if kind == CfaDocumentKind.ANNUAL_INVOICE and year > _last_year(contract):
            _refuse("year", f"Le contrat {contract.file_number} n'a que {_last_year(contract)} année(s) de financement.")
        if kind == CfaDocumentKind.START_ATTESTATION and not (contract.commitment.regime == "R2025" and is_new_cfa(contract)):
            _refuse(
                "kind",
                "L'attestation de début de formation n'est demandée que pour un CFA déclaré depuis moins de 6 mois "
                "(R6332-25 V) : elle ne correspond à aucune échéance de ce contrat.",
            )
        if kind == CfaDocumentKind.PARTICIPATION_INVOICE and contract.commitment.employer_participation <= 0:
            _refuse(
                "kind",
                "Aucune participation de l'employeur n'est due pour ce contrat (R6332-25-1) : "
                "la copie de sa facture ne correspond à aucune échéance.",
            )
        if kind in FINAL_KINDS and contract.commitment.regime == "R2025" and received_on > documents_deadline(contract):
            _refuse(
                "received_on",
                f"Reçue après le {documents_deadline(contract):%d/%m/%Y}, plus de 4 mois après le terme du contrat : "
                "le solde n'est pas dû (R6332-25 III 4°).",
            )
        if kind == CfaDocumentKind.COMPLETION_ATTESTATION:
            _refuse_early_completion(contract, issued_on or received_on)
        matched = _matches(contract, kind, year)
        if not matched:
            _refuse(
                "kind",
                f"{kind_label}{f' (année {year})' if year else ''} ne correspond à aucune échéance à payer "
                f"du contrat {contract.file_number} (déjà payée, non due ou remplacée).",
            )

        review_reason = "" if amount is None else amount_review_reason(amount, expected_amount(contract, kind, year))
        document = CfaDocument(
            contract=contract,
            kind=kind,
            year=year,
            cfa_siret=cfa_siret,
            number=number,
            amount=amount,
            issued_on=issued_on,
            received_on=received_on,
            source="api" if source == AuditEntry.Source.API else "upload",
            received_by=actor if getattr(actor, "is_authenticated", False) else None,
            to_review=bool(review_reason),
            review_reason=review_reason,
        )
        if file is not None:
            document.file = file
        document.full_clean(exclude=["file"] if file is None else None)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            # The same document sent twice at the same instant: the unique constraints kept the first.
            _refuse(
                "number", "Cette pièce vient d'être reçue par un autre envoi simultané : elle n'est pas enregistrée deux fois."
            )
        document.instalments.set(matched)
        released = instalments_release(contract_ids=[contract.pk]).released
        audit.record(
            actor=actor,
            action="contracts.cfa_document.received",
            target=contract,
            summary=(
                f"{document} reçue le {received_on:%d/%m/%Y} : {len(matched)} échéance(s) concernée(s), "
                f"{released} mise(s) en paiement{' ; montant à vérifier' if document.to_review else ''}"
            ),
            changes={"review_reason": review_reason} if review_reason else None,
            source=source,
        )
    return Received(document=document, matched=matched, released=released)


def cfa_document_review_clear(*, actor, document_id: int, note: str, source: str = AuditEntry.Source.WEB) -> Cleared:
    """A gestionnaire or finance officer has checked an invoice « à vérifier » (with the CFA, against the
    schedule) and says what in `note`: the flag goes, and the instalments it matched are handed over
    to payments when their other conditions are met. Raises CfaDocument.DoesNotExist for an unknown id."""
    if not may_record(actor):
        raise PermissionDenied(CLEAR_REFUSAL)
    note = (note or "").strip()
    if not note:
        _refuse("note", "Indiquez ce qui a été vérifié.")
    if len(note) > NOTE_MAX:
        _refuse("note", f"{NOTE_MAX} caractères au plus.")
    contract_id = CfaDocument.objects.values_list("contract_id", flat=True).get(pk=document_id)
    with transaction.atomic():
        # The contract's lock, as on receipt: one change at a time to what unlocks its instalments.
        ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        document = CfaDocument.objects.select_related("contract").get(pk=document_id)
        if not document.to_review:
            _refuse("note", "Le montant de cette pièce n'est pas à vérifier.")
        document.to_review = False
        document.reviewed_by = actor
        document.reviewed_at = timezone.now()
        document.review_note = note
        document.full_clean(exclude=["file", "contract", "received_by"])
        document.save(update_fields=["to_review", "reviewed_by", "reviewed_at", "review_note"])
        released = instalments_release(contract_ids=[contract_id]).released
        audit.record(
            actor=actor,
            action="contracts.cfa_document.review_cleared",
            target=document.contract,
            summary=f"Montant de la pièce « {document} » validé : {note} ({released} échéance(s) mise(s) en paiement)",
            changes={"document": document.pk, "review_reason": document.review_reason, "note": note},
            source=source,
        )
    return Cleared(document=document, released=released)
