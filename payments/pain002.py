"""Bank status reports (pain.002, CustomerPaymentStatusReport) on the SEPA files of payment runs.

The bank answers a pain.001 file with a pain.002 report: the group status of the whole file
(`OrgnlGrpInfAndSts/GrpSts`), then for each payment information block and each transaction a status
and its reasons. A rejected transaction (`RJCT`) becomes a bank return of its transfer
(`payments.runs.transfer_return`): its lines are replaced by new payable lines and the IBAN flagged.

- Versions: pain.002.001.03 (still the most common answer of French banks) and pain.002.001.10
  (ISO 20022 2019, the answer to pain.001.001.09); the paths used here are the same in both.
- Status inheritance (ISO 20022 MDR): a transaction without `TxSts` takes the status of its payment
  information block, which takes the group's; a rejected group or block without transaction details
  rejects every transfer of the run (our files have one PmtInf per run, see payments/sepa.py).
- Parsing is safe: lxml without network, entity expansion or DTD loading, a DOCTYPE is refused, and
  the file size is capped.
- The whole import is one transaction: a refused file changes nothing, and importing the same file
  again records nothing new (those transfers are listed in `already`).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from lxml import etree

from accounts import roles
from opco import audit
from opco.models import AuditEntry
from payments.enums import ReturnSource, RunStatus, TransferStatus
from payments.models import PaymentRun, Transfer
from payments.runs import transfer_return

NAMESPACES = (
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
)
MAX_SIZE = 20 * 1024 * 1024  # a report on a 200 000-line run stays far below
REJECTED = "RJCT"
# ISO 20022 ExternalPaymentTransactionStatus1Code / ExternalPaymentGroupStatus1Code: the "accepted" family.
ACCEPTED = frozenset({"ACCP", "ACSC", "ACSP", "ACWC", "ACTC", "ACCC", "ACWP", "ACFC", "ACIS", "ACPD"})
# When the bank gives no reason code at all (ISO: "NARR", the reason is in the narrative, if any).
NO_REASON_CODE = "NARR"

# ExternalStatusReason1Code (ISO 20022 external code sets), the codes French banks actually send.
REASON_LABELS = {
    "AC01": "IBAN incorrect",
    "AC02": "Numéro de compte du donneur d'ordre invalide",
    "AC03": "Numéro de compte du bénéficiaire invalide",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué",
    "AC13": "Type de compte du débiteur invalide",
    "AG01": "Opération interdite sur ce type de compte",
    "AG02": "Code opération invalide",
    "AM01": "Montant nul",
    "AM02": "Montant supérieur au maximum autorisé",
    "AM03": "Devise non autorisée",
    "AM04": "Provision insuffisante",
    "AM05": "Doublon",
    "AM09": "Montant erroné",
    "AM18": "Nombre de transactions incohérent avec l'en-tête",
    "AM23": "Montant supérieur à la limite du compte",
    "BE01": "Bénéficiaire incohérent avec le titulaire du compte",
    "BE04": "Adresse du bénéficiaire absente ou incorrecte",
    "BE05": "Identifiant de l'émetteur inconnu",
    "CNOR": "Banque du bénéficiaire non joignable",
    "CURR": "Devise incorrecte",
    "CUST": "Rejet à la demande du donneur d'ordre",
    "DNOR": "Banque du donneur d'ordre non joignable",
    "DT01": "Date invalide",
    "DUPL": "Paiement en double",
    "ED05": "Règlement échoué",
    "FF01": "Format de fichier invalide",
    "FOCR": "Retour à la suite d'une demande d'annulation",
    "FRAD": "Suspicion de fraude",
    "MD01": "Absence de mandat",
    "MD06": "Remboursement demandé par le client",
    "MD07": "Bénéficiaire décédé",
    "MS02": "Motif non communiqué par le bénéficiaire",
    "MS03": "Motif non communiqué par la banque",
    "NARR": "Motif précisé en texte libre par la banque",
    "RC01": "BIC incorrect",
    "RR01": "Identification du compte ou du débiteur manquante (réglementaire)",
    "RR02": "Nom ou adresse du débiteur manquant (réglementaire)",
    "RR03": "Nom ou adresse du bénéficiaire manquant (réglementaire)",
    "RR04": "Motif réglementaire",
    "SL01": "Service spécifique de la banque",
    "TECH": "Problème technique",
    "TM01": "Fichier reçu après l'heure limite",
}


def reason_label(code: str) -> str:
    """The French label of an ISO status reason code; an unknown code keeps its code."""
    return REASON_LABELS.get(code, f"Motif bancaire {code}")


@dataclass
class Pain002Report:
    returned: list[str] = field(default_factory=list)  # end-to-end ids recorded as returns by this import
    already: list[str] = field(default_factory=list)  # end-to-end ids whose return was recorded before
    unknown: list[str] = field(default_factory=list)  # end-to-end ids that are not transfers of the run
    accepted: int = 0  # transactions the bank reported accepted
    errors: list[str] = field(default_factory=list)  # entries of the report that could not be read
    run_id: int | None = None


@dataclass(frozen=True)
class _Reason:
    code: str
    label: str


@dataclass(frozen=True)
class _Status:
    end_to_end_id: str
    status: str
    reason: _Reason


def _parse(xml: bytes) -> tuple[etree._Element, str]:
    if isinstance(xml, str):  # lxml refuses a str that declares its encoding
        xml = xml.encode("utf-8")
    if len(xml) > MAX_SIZE:
        raise ValidationError(f"Fichier trop volumineux : un compte rendu pain.002 fait {MAX_SIZE // (1024 * 1024)} Mo au plus.")
    if not xml.strip():
        raise ValidationError("Le fichier est vide.")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise ValidationError(f"Fichier XML illisible (ligne {error.lineno}) : {error.msg}") from None
    if root.getroottree().docinfo.doctype:
        # No DTD, no entity: a bank report never has one, and it is the door to XXE and entity bombs.
        raise ValidationError("Fichier refusé : une déclaration DOCTYPE n'est pas admise dans un compte rendu pain.002.")
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document" or namespace not in NAMESPACES:
        raise ValidationError(
            "Ce fichier n'est pas un compte rendu de la banque au format pain.002.001.03 ou pain.002.001.10 "
            f"(élément racine « {etree.QName(root).localname} », espace de noms « {namespace or 'aucun'} »)."
        )
    report = root.find(f"{{{namespace}}}CstmrPmtStsRpt")
    if report is None:
        raise ValidationError("Compte rendu pain.002 incomplet : l'élément CstmrPmtStsRpt est absent.")
    return report, namespace


def _text(element: etree._Element | None, path: str, ns: dict[str, str]) -> str:
    if element is None:
        return ""
    return (element.findtext(path, default="", namespaces=ns) or "").strip()


def _reason(element: etree._Element | None, ns: dict[str, str]) -> _Reason | None:
    """The first reason code of `StsRsnInf` (`Rsn/Cd`, else `Rsn/Prtry`), with its French label."""
    if element is None:
        return None
    for info in element.findall("p:StsRsnInf", ns):
        code = (_text(info, "p:Rsn/p:Cd", ns) or _text(info, "p:Rsn/p:Prtry", ns)).upper()
        if code:
            return _Reason(code=code, label=reason_label(code))
    if element.find("p:StsRsnInf", ns) is not None:
        return _Reason(code=NO_REASON_CODE, label=reason_label(NO_REASON_CODE))
    return None


def _statuses(report: etree._Element, ns: dict[str, str], run: PaymentRun, errors: list[str]) -> dict[str, _Status]:
    """The status of each end-to-end id the report speaks of, in the report's order. A transaction
    without `TxSts` takes its block's status, a block without `PmtInfSts` the group's; a block without
    transaction details (or a report without blocks) stands for every transfer of the run. An id
    reported twice is rejected if any of its entries rejects it."""
    group = report.find("p:OrgnlGrpInfAndSts", ns)
    group_status = _text(group, "p:GrpSts", ns).upper()
    group_reason = _reason(group, ns) or _Reason(NO_REASON_CODE, reason_label(NO_REASON_CODE))
    every_transfer = list(Transfer.objects.filter(run=run).order_by("id").values_list("end_to_end_id", flat=True))
    entries: list[_Status] = []
    blocks = report.findall("p:OrgnlPmtInfAndSts", ns)
    if not blocks:
        entries = [_Status(e2e, group_status, group_reason) for e2e in every_transfer]
    for block in blocks:
        block_status = _text(block, "p:PmtInfSts", ns).upper() or group_status
        block_reason = _reason(block, ns) or group_reason
        details = block.findall("p:TxInfAndSts", ns)
        if not details:
            entries.extend(_Status(e2e, block_status, block_reason) for e2e in every_transfer)
        for position, detail in enumerate(details, start=1):
            end_to_end_id = _text(detail, "p:OrgnlEndToEndId", ns)
            if not end_to_end_id:
                block_id = _text(block, "p:OrgnlPmtInfId", ns) or "sans identifiant"
                errors.append(f"Transaction n° {position} du bloc {block_id} sans identifiant de bout en bout : ignorée.")
                continue
            status = _text(detail, "p:TxSts", ns).upper() or block_status
            entries.append(_Status(end_to_end_id, status, _reason(detail, ns) or block_reason))
    statuses: dict[str, _Status] = {}
    for entry in entries:
        known = statuses.get(entry.end_to_end_id)
        if known is None or (entry.status == REJECTED and known.status != REJECTED):
            statuses[entry.end_to_end_id] = entry
    return statuses


def import_pain002(*, actor, xml: bytes, filename: str) -> Pain002Report:
    """Apply a bank status report to the run whose file it answers. Refused (ValidationError, nothing
    changed) when the file is not a readable pain.002 or answers no run of ours."""
    if actor is not None and not roles.FINANCE(actor):
        raise PermissionDenied("Seul un membre du service financier peut importer un compte rendu de la banque.")
    report_element, namespace = _parse(xml)
    ns = {"p": namespace}
    message_id = _text(report_element, "p:OrgnlGrpInfAndSts/p:OrgnlMsgId", ns)
    if not message_id:
        raise ValidationError("Compte rendu pain.002 incomplet : l'identifiant du message d'origine (OrgnlMsgId) est absent.")
    report = Pain002Report()
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update(of=("self",)).filter(message_id=message_id).first()
        if run is None:
            raise ValidationError(f"Ce compte rendu concerne le message {message_id}, qui ne correspond à aucun lot.")
        if run.status not in (RunStatus.FILE_READY, RunStatus.SENT, RunStatus.SETTLED):
            raise ValidationError(
                f"Ce compte rendu concerne le {run}, qui est « {run.get_status_display()} » : "
                "il n'a pas produit de fichier remis à la banque."
            )
        report.run_id = run.pk
        statuses = _statuses(report_element, ns, run, report.errors)
        transfers = {
            transfer.end_to_end_id: transfer
            for transfer in Transfer.objects.select_for_update(of=("self",)).filter(run=run).order_by("id")
        }
        for status in statuses.values():
            transfer = transfers.get(status.end_to_end_id)
            if transfer is None:
                report.unknown.append(status.end_to_end_id)
                continue
            if status.status in ACCEPTED:
                report.accepted += 1
                continue
            if status.status != REJECTED:
                continue  # pending (PDNG), received (RCVD), partially accepted (PART): nothing to record
            if transfer.status == TransferStatus.RETURNED:
                report.already.append(status.end_to_end_id)
                continue
            transfer_return(
                actor=actor,
                transfer_id=transfer.pk,
                reason_code=status.reason.code,
                reason=status.reason.label,
                source=ReturnSource.PAIN002,
                source_file=filename,
            )
            report.returned.append(status.end_to_end_id)
        audit.record(
            actor=actor,
            action="payments.pain002.imported",
            target=run,
            summary=(
                f"Compte rendu pain.002 « {filename} » : {len(report.returned)} rejet(s) enregistré(s), "
                f"{len(report.already)} déjà enregistré(s), {len(report.unknown)} inconnu(s), "
                f"{report.accepted} accepté(s), {len(report.errors)} erreur(s)"
            ),
            source=AuditEntry.Source.IMPORT,
        )
    return report
