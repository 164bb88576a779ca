"""Who records a CFA's document, and an invoice whose amount is far from what it unlocks.

One role rule for recording (gestionnaires and finance), held by `cfa_document_receive` itself so that
the screen, the API and any later door share it. An invoice whose amount differs from the instalments
it matches by more than the tolerance (1 % of them, 1 € at least) is stored « à vérifier »: its
instalments wait until a gestionnaire or finance officer clears it, with a note, audited."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.alternance import cfa_documents
from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.alternance.payability import ContractFacts, close_expired_balances, decide, facts_of, instalments_release
from contracts.models import CfaDocument, Instalment
from opco.models import AuditEntry
from payments.enums import ScheduleStatus
from payments.models import PayableLine
from tests.contracts.factories import ANNUAL, CFA_SIRET, COMPLETION, FINAL, line

pytestmark = pytest.mark.django_db

ROLE_REFUSAL = "Seuls les gestionnaires et le service financier enregistrent les pièces des CFA."
CLEAR_REFUSAL = "Seuls les gestionnaires et le service financier valident le montant d'une pièce des CFA."
URL = "/api/v1/invoices/"
ANNUAL_LABEL = "Facture annuelle (avance de l'année, solde de l'année précédente)"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def made(contract):
    """The base contract accepted on 15/09/2025: its advance of year 1 (2 188,00 €) is due since 01/09/2025."""
    return contract()


def receive(actor, contract, kind=ANNUAL, **values):
    values = {"cfa_siret": CFA_SIRET, "year": 1 if kind == ANNUAL else None, "number": f"F-{kind}", **values}
    return cfa_document_receive(actor=actor, contract_reference=contract.file_number, kind=kind, **values)


def state() -> tuple:
    return (
        list(CfaDocument.objects.values_list("id", "to_review", "reviewed_at")),
        list(Instalment.objects.order_by("id").values_list("id", "status")),
        PayableLine.objects.count(),
        AuditEntry.objects.filter(action__startswith="contracts.cfa_document").count(),
    )


def waiting_for(contract, year: int, kind: str, today: date) -> str:
    facts = facts_of([contract])[contract.pk]
    return decide(line(contract, year, kind), facts, today).waiting_for


# --- One role rule, in the service ------------------------------------------------------------------------
@pytest.mark.parametrize("groups", [["responsable"], ["administrateur"], []])
def test_a_staff_member_without_the_role_cannot_record_a_document(make_user, made, groups):
    actor = make_user(kind="staff", groups=groups)
    before = state()
    with pytest.raises(PermissionDenied) as refusal:
        receive(actor, made, amount=Decimal("2188.00"))
    assert str(refusal.value) == ROLE_REFUSAL
    assert state() == before and not CfaDocument.objects.exists()


@pytest.mark.parametrize("who", ["staff", "finance"])
def test_gestionnaires_and_finance_record_documents(request, made, who):
    actor = request.getfixturevalue(who)
    received = receive(actor, made, amount=Decimal("2188.00"))
    assert (received.document.received_by, received.released) == (actor, 1)


@pytest.mark.parametrize("kind", ["responsable", "administrateur", "advisor", "branch_rep"])
def test_the_api_refuses_the_roles_the_screen_refuses(client, make_user, made, kind):
    user = make_user(kind=kind) if kind in ("advisor", "branch_rep") else make_user(kind="staff", groups=[kind])
    client.force_login(user)
    body = {"contract": made.file_number, "kind": ANNUAL, "cfa_siret": CFA_SIRET, "year": 1, "number": "F-1", "amount": "2188.00"}
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert not CfaDocument.objects.exists() and line(made, 1, "advance").status == ScheduleStatus.PLANNED


# --- The amount: within the tolerance, paid; beyond it, held for review ---------------------------------------
@pytest.mark.parametrize(
    ("amount", "flagged"),
    [
        ("2188.00", False),
        ("2209.88", False),  # 2 188,00 € + 1 % (21,88 €)
        ("2209.89", True),
        ("2166.12", False),  # 2 188,00 € − 1 %
        ("2166.11", True),
        ("999999999999.99", True),
        ("0.00", True),
        (None, False),  # no amount declared: nothing to compare
    ],
)
def test_an_invoice_amount_is_compared_with_the_instalments_it_matches(staff, made, amount, flagged):
    received = receive(staff, made, amount=None if amount is None else Decimal(amount))
    document = CfaDocument.objects.get()
    assert document.to_review is flagged
    assert received.released == (0 if flagged else 1)
    assert line(made, 1, "advance").status == (ScheduleStatus.PLANNED if flagged else ScheduleStatus.PAYABLE)
    assert PayableLine.objects.count() == (0 if flagged else 1)


def test_an_invoice_of_999_billion_is_stored_flagged_and_never_paid_blindly(staff, made, clock):
    received = receive(staff, made, amount=Decimal("999999999999.99"))
    document = received.document
    assert document.to_review is True
    assert document.review_reason == (
        "Montant facturé 999\u202f999\u202f999\u202f999,99 € pour 2\u202f188,00 € d'échéances concernées : écart de "
        "999\u202f999\u202f997\u202f811,99 €, au-delà de la tolérance de 21,88 € (1 %, 1 € au moins)."
    )
    assert received.released == 0 and not PayableLine.objects.exists()
    entry = AuditEntry.objects.get(action="contracts.cfa_document.received")
    assert entry.summary.endswith("0 mise(s) en paiement ; montant à vérifier")
    clock(date(2025, 12, 1))
    assert instalments_release().released == 0
    assert line(made, 1, "advance").status == ScheduleStatus.PLANNED
    assert waiting_for(made, 1, "advance", date(2025, 12, 1)) == "facture de l'année 1 (montant à vérifier)"


def test_a_flagged_invoice_of_year_2_holds_both_instalments_it_matches(staff, made, clock):
    clock(date(2026, 8, 20))
    instalments_release()
    received = receive(staff, made, year=2, number="F-2", amount=Decimal("27350.00"))
    assert [(i.year, i.kind) for i in received.matched] == [(1, "balance"), (2, "advance")]
    assert received.document.to_review is True
    clock(date(2026, 9, 2))
    instalments_release()
    assert line(made, 1, "balance").status == line(made, 2, "advance").status == ScheduleStatus.PLANNED
    assert waiting_for(made, 1, "balance", date(2026, 9, 2)) == "facture de l'année 2 (montant à vérifier)"


def test_a_year_2_invoice_for_both_instalments_is_not_flagged(staff, made, clock):
    clock(date(2026, 8, 20))
    instalments_release()
    received = receive(staff, made, year=2, number="F-2", amount=Decimal("2735.00"))  # 547,00 + 2 188,00
    assert received.document.to_review is False


def test_an_r2021_invoice_of_year_2_may_bill_the_balance_already_paid_at_its_date(staff, contract, clock):
    made = contract({"contrat.date_conclusion": "2025-06-30"})  # R2021: the balance of year 1 is paid at month 10
    clock(date(2026, 8, 20))
    instalments_release()
    balance, advance = line(made, 1, "balance"), line(made, 2, "advance")
    assert balance.status == ScheduleStatus.PAYABLE
    received = receive(staff, made, year=2, number="F-2", amount=balance.net + advance.net)
    assert [(i.year, i.kind) for i in received.matched] == [(2, "advance")]
    assert received.document.to_review is False


@pytest.mark.parametrize(
    ("amount", "expected", "flagged"),
    [
        ("51.00", "50.00", False),  # under 100 €, the tolerance is 1 €
        ("51.01", "50.00", True),
        ("49.00", "50.00", False),
        ("48.99", "50.00", True),
        ("1010.00", "1000.00", False),  # from 100 €, 1 %
        ("1010.01", "1000.00", True),
    ],
)
def test_the_tolerance_is_one_percent_and_at_least_one_euro(amount, expected, flagged):
    assert bool(cfa_documents.amount_review_reason(Decimal(amount), Decimal(expected))) is flagged


# --- Clearing the review -------------------------------------------------------------------------------------
def test_clearing_the_review_releases_the_instalment_and_is_audited(staff, finance, made):
    document = receive(staff, made, amount=Decimal("2500.00")).document
    cleared = cfa_documents.cfa_document_review_clear(
        actor=finance, document_id=document.pk, note="Facture vérifiée auprès du CFA."
    )
    document.refresh_from_db()
    assert (document.to_review, document.reviewed_by, document.reviewed_at is not None) == (False, finance, True)
    assert document.review_reason.startswith("Montant facturé 2\u202f500,00 €")  # the reason stays, for the record
    assert cleared.released == 1
    assert line(made, 1, "advance").status == ScheduleStatus.PAYABLE
    entry = AuditEntry.objects.get(action="contracts.cfa_document.review_cleared")
    assert (entry.actor, entry.source) == (finance, AuditEntry.Source.WEB)
    assert entry.summary == (
        f"Montant de la pièce « {ANNUAL_LABEL} année 1 – {made.file_number} » validé : Facture vérifiée auprès du CFA. "
        "(1 échéance(s) mise(s) en paiement)"
    )


def test_clearing_is_refused_to_other_roles_without_a_note_or_twice(staff, finance, make_user, made):
    document = receive(staff, made, amount=Decimal("2500.00")).document
    before = state()
    with pytest.raises(PermissionDenied) as refusal:
        cfa_documents.cfa_document_review_clear(
            actor=make_user(kind="staff", groups=["responsable"]), document_id=document.pk, note="ok"
        )
    assert str(refusal.value) == CLEAR_REFUSAL
    with pytest.raises(ValidationError) as empty:
        cfa_documents.cfa_document_review_clear(actor=finance, document_id=document.pk, note="   ")
    assert empty.value.message_dict == {"note": ["Indiquez ce qui a été vérifié."]}
    assert state() == before
    cfa_documents.cfa_document_review_clear(actor=finance, document_id=document.pk, note="Vérifié.")
    with pytest.raises(ValidationError) as again:
        cfa_documents.cfa_document_review_clear(actor=finance, document_id=document.pk, note="Vérifié.")
    assert again.value.message_dict == {"note": ["Le montant de cette pièce n'est pas à vérifier."]}


def test_a_flagged_final_invoice_received_in_time_keeps_the_last_balance_alive_past_the_deadline(staff, finance, made, clock):
    clock(date(2027, 9, 2))
    instalments_release()
    final = receive(staff, made, FINAL, number="F-FIN", amount=Decimal("5470.00")).document  # the balance is 547,00 €
    receive(staff, made, COMPLETION)
    assert final.to_review is True
    clock(date(2028, 1, 5))  # after the 4 months (31/12/2027)
    assert close_expired_balances() == 0
    balance = line(made, 2, "balance")
    assert balance.status == ScheduleStatus.PLANNED
    assert waiting_for(made, 2, "balance", date(2028, 1, 5)) == "facture du solde final (montant à vérifier)"
    assert cfa_documents.cfa_document_review_clear(actor=finance, document_id=final.pk, note="Avoir reçu du CFA.").released == 1
    assert line(made, 2, "balance").status == ScheduleStatus.PAYABLE


def test_a_flagged_invoice_holds_a_professionalisation_advance():
    facts = ContractFacts(contract=None, regime="PRO", last_year=1, participation_due=False)
    invoice = CfaDocument(kind=ANNUAL, year=1, received_on=date(2026, 3, 12), to_review=True)
    facts.documents[(ANNUAL, 1)] = invoice
    advance = Instalment(year=1, kind="advance", due_date=date(2026, 3, 2), net=Decimal("1830.00"))
    decision = decide(advance, facts, date(2026, 3, 12))
    assert (decision.due, decision.waiting_for) == (
        None,
        "facture annuelle (avance de l'année, solde de l'année précédente) de l'organisme de formation (montant à vérifier)",
    )
    invoice.to_review = False
    assert decide(advance, facts, date(2026, 3, 12)).due == date(2026, 3, 12)


# --- Through the API -------------------------------------------------------------------------------------------
def test_the_api_answers_the_flag_and_clears_it(client, staff, finance, made):
    client.force_login(staff)
    body = {"contract": made.file_number, "kind": ANNUAL, "cfa_siret": CFA_SIRET, "year": 1, "number": "F-1"}
    response = client.post(URL, data=json.dumps({**body, "amount": "999999999999.99"}), content_type="application/json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["to_review"], answer["released"], answer["matched"][0]["status"]) == (True, 0, "planned")
    assert answer["review_reason"].startswith("Montant facturé 999\u202f999\u202f999\u202f999,99 €")
    review_url = f"{URL}{answer['id']}/review/"
    client.force_login(finance)
    cleared = client.post(review_url, data=json.dumps({"note": "Vérifié avec le CFA."}), content_type="application/json")
    assert (cleared.status_code, cleared.json()) == (200, {"id": answer["id"], "to_review": False, "released": 1})
    again = client.post(review_url, data=json.dumps({"note": "Vérifié."}), content_type="application/json")
    assert (again.status_code, again.json()) == (400, {"errors": {"note": "Le montant de cette pièce n'est pas à vérifier."}})


def test_the_api_refuses_clearing_to_other_roles_and_unknown_documents(client, staff, make_user, made):
    document = receive(staff, made, amount=Decimal("2500.00")).document
    client.force_login(make_user(kind="staff", groups=["responsable"]))
    response = client.post(f"{URL}{document.pk}/review/", data=json.dumps({"note": "ok"}), content_type="application/json")
    assert response.status_code == 403
    client.force_login(staff)
    missing = client.post(f"{URL}{document.pk + 1}/review/", data=json.dumps({"note": "ok"}), content_type="application/json")
    assert missing.status_code == 404
    document.refresh_from_db()
    assert document.to_review is True
