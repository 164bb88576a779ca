"""When an instalment becomes payable (R6332-25 and FINANCING.md §4 and §7), each rule at its boundary,
with frozen time: the invoice and the 30 days of the advance, the 7th and 10th months, the balance
paid with the next year's advance, the last balance and its 4-month window (closed by the beat task),
the new CFA and its attestation de début, R2021 contracts, trop-perçus, zero lines, a CFA without
IBAN, and ruptures before and after a payment run took the advance."""

# ruff: noqa: F811 — the fixtures imported below are used as test arguments, as pytest intends.

from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from branches.models import Cpne, CpneIdcc, NpecPublication
from branches.services import npec_decision_record
from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.alternance.decisions import contract_rupture
from contracts.alternance.payability import close_expired_balances, decide, facts_of, instalments_release
from contracts.alternance.workflow import contract_deposit_deca
from contracts.enums import CfaDocumentKind
from contracts.models import CfaDocument, Instalment
from contracts.tasks import release_payable_instalments
from opco.models import AuditEntry
from payments.enums import LineStatus, ScheduleStatus
from payments.models import PayableLine
from payments.runs import payment_run_prepare
from referentials.models import TrainingProvider
from referentials.selectors import legal_parameter_on
from tests.contracts.factories import line
from tests.payments.conftest import CFA_IBAN, CFA_SIRET, accept, cfa, finance, referentials, staff  # noqa: F401

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
ZERO = Decimal("0.00")
ANNUAL = CfaDocumentKind.ANNUAL_INVOICE
FINAL = CfaDocumentKind.FINAL_INVOICE
START = CfaDocumentKind.START_ATTESTATION
COMPLETION = CfaDocumentKind.COMPLETION_ATTESTATION
PARTICIPATION = CfaDocumentKind.PARTICIPATION_INVOICE
INVOICES = (ANNUAL, FINAL, PARTICIPATION)
# A level 7 fiche open to apprenticeship (Kit apprentissage): its R2025 contracts owe the employer
# participation of 750 € (R6332-25-1).
LEVEL_7 = {
    "formation.rncp": "RNCP38962",
    "formation.code_diplome": "13511206",
    "formation.niveau": 7,
    "maitres_apprentissage.0.diplome_niveau": 7,
}


# --- Helpers ----------------------------------------------------------------------------------------------
@pytest.fixture
def clock(time_machine):
    """clock(day): the back-office's today is `day` (noon in Paris), frozen."""

    def move(day: date) -> None:
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, tzinfo=PARIS), tick=False)

    return move


def dated(start: date, end: date, signed: date) -> dict:
    """Payload changes for a contract from `start` to `end`, signed on `signed` (an apprentice of 18,
    paid the legal minimum of the 18-20 bracket)."""
    periods, year = [], 0
    while start + relativedelta(years=year) <= end:
        first = start + relativedelta(years=year)
        last = min(start + relativedelta(years=year + 1) - timedelta(days=1), end)
        periods.append({"date_debut": first.isoformat(), "date_fin": last.isoformat(), "taux": (43, 51, 53)[year]})
        year += 1
    return {
        "contrat.date_conclusion": signed.isoformat(),
        "contrat.date_debut": start.isoformat(),
        "contrat.date_fin": end.isoformat(),
        "contrat.date_debut_formation_pratique": start.isoformat(),
        "contrat.remunerations": periods,
        "formation.date_debut": (start + timedelta(days=7)).isoformat(),
        "formation.date_fin": (end - relativedelta(months=2)).isoformat(),
        "apprenti.date_naissance": (start - relativedelta(years=18, days=1)).isoformat(),
        # 43 % of the SMIC of the start date, rounded up to the cent (D6222-26).
        "contrat.salaire_brut_mensuel_embauche": str(
            (legal_parameter_on("smic_monthly", start) * 43 / 100).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        ),
    }


@pytest.fixture
def receive(staff):
    def send(contract, kind, *, year=None, on=None, number=None, siret=CFA_SIRET):
        if number is None:
            number = f"F{contract.pk}-{kind}-{year or 0}" if kind in INVOICES else ""
        return cfa_document_receive(
            actor=staff,
            contract_reference=contract.file_number,
            kind=kind,
            cfa_siret=siret,
            year=year,
            number=number,
            received_on=on,
        )

    return send


def handed_over(instalment: Instalment) -> list[tuple]:
    """The payable lines of an instalment: (status, amount, due date, pay by)."""
    lines = PayableLine.objects.filter(source_type=ContentType.objects.get_for_model(Instalment), source_id=instalment.pk)
    return list(lines.order_by("id").values_list("status", "amount", "due_date", "pay_by"))


def decision(contract, instalment: Instalment, today: date):
    contract.refresh_from_db()
    return decide(instalment, facts_of([contract])[contract.pk], today)


def live(contract) -> list[tuple]:
    rows = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).order_by("due_date", "year", "id")
    return [(r.year, r.kind, r.due_date, r.net, r.status) for r in rows]


# --- Advance: the invoice, then 30 days (III 1°) -----------------------------------------------------------
def test_the_advance_waits_for_the_invoice_of_its_year(contract):
    made = contract()
    advance = line(made, 1, "advance")
    assert instalments_release().released == 0
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.PLANNED and handed_over(advance) == []
    assert decision(made, advance, date(2025, 9, 15)).waiting_for == "facture de l'année 1"
    assert not PayableLine.objects.exists()


@pytest.mark.parametrize(
    ("received_on", "due", "pay_by"),
    [
        # Invoice received before the start: due on the start, paid within 30 days of the invoice.
        (date(2025, 8, 28), date(2025, 9, 1), date(2025, 9, 27)),
        # Invoice received after the start: due on receipt, paid by receipt + 30 days.
        (date(2025, 9, 15), date(2025, 9, 15), date(2025, 10, 15)),
    ],
)
def test_the_advance_is_payable_with_the_invoice_due_the_later_of_the_start_and_the_receipt(
    contract, receive, received_on, due, pay_by
):
    made = contract()
    advance = line(made, 1, "advance")
    received = receive(made, ANNUAL, year=1, on=received_on)
    assert [i.pk for i in received.matched] == [advance.pk] and received.released == 1
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.PAYABLE
    assert handed_over(advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), due, pay_by)]


@pytest.mark.parametrize(
    ("received_on", "pay_by"),
    [
        # 1 October + 30 days is the 31st (a month would give 1 November, the 31st day after).
        (date(2025, 10, 1), date(2025, 10, 31)),
        # 31 January + 30 days is 2 March (a month would give 28 February, the 28th day after).
        (date(2026, 1, 31), date(2026, 3, 2)),
    ],
)
def test_the_advance_is_paid_by_the_30th_day_after_the_invoice_not_a_month(contract, receive, clock, received_on, pay_by):
    made = contract()
    clock(received_on)
    instalments_release()
    receive(made, ANNUAL, year=1)
    assert handed_over(line(made, 1, "advance")) == [(LineStatus.PAYABLE, Decimal("2188.00"), received_on, pay_by)]
    assert pay_by - received_on == timedelta(days=30)


# --- 7th and 10th months (III 2° and 3°) ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "due", "pay_by", "net"),
    [
        ("month7", date(2026, 3, 1), date(2026, 3, 31), Decimal("1641.00")),
        ("month10", date(2026, 6, 1), date(2026, 6, 30), Decimal("1094.00")),
    ],
)
def test_month7_and_month10_are_released_in_their_month_without_any_document(contract, clock, kind, due, pay_by, net):
    made = contract()
    instalment = line(made, 1, kind)
    clock(due - timedelta(days=1))
    instalments_release()
    instalment.refresh_from_db()
    assert instalment.status == ScheduleStatus.PLANNED and handed_over(instalment) == []
    clock(due)
    assert instalments_release().released == 1
    instalment.refresh_from_db()
    assert instalment.status == ScheduleStatus.PAYABLE
    assert handed_over(instalment) == [(LineStatus.PAYABLE, net, due, pay_by)]
    assert not CfaDocument.objects.exists()


def test_month7_lines_in_february_are_paid_by_its_last_day_29_in_a_leap_year(contract, clock):
    # 15 August 2026 → 14 August 2028: the 7th months are February 2027 and February 2028 (leap year).
    made = contract(
        dated(date(2026, 8, 15), date(2028, 8, 14), date(2026, 8, 1)), today=date(2026, 8, 3), received_on=date(2026, 8, 3)
    )
    first, second = line(made, 1, "month7"), line(made, 2, "month7")
    assert (first.due_date, second.due_date) == (date(2027, 2, 15), date(2028, 2, 15))
    clock(date(2027, 2, 14))
    instalments_release()
    assert handed_over(first) == []
    clock(date(2027, 2, 15))
    instalments_release()
    assert handed_over(first) == [(LineStatus.PAYABLE, Decimal("1641.00"), date(2027, 2, 15), date(2027, 2, 28))]
    clock(date(2028, 2, 14))
    instalments_release()
    assert handed_over(second) == []
    clock(date(2028, 2, 15))
    instalments_release()
    assert handed_over(second) == [(LineStatus.PAYABLE, Decimal("1641.00"), date(2028, 2, 15), date(2028, 2, 29))]


# --- Balance of a year that is not the last: with the next year's advance (III 4°) -------------------------
def test_the_balance_of_a_year_waits_for_the_next_years_invoice_and_goes_with_its_advance(contract, receive, clock):
    made = contract()
    balance, next_advance = line(made, 1, "balance"), line(made, 2, "advance")
    assert balance.due_date == next_advance.due_date == date(2026, 9, 1)
    clock(date(2026, 9, 1))
    instalments_release()
    assert decision(made, balance, date(2026, 9, 1)).waiting_for == "facture de l'année 2"
    assert handed_over(balance) == [] and handed_over(next_advance) == []

    clock(date(2026, 9, 10))
    received = receive(made, ANNUAL, year=2)
    assert [i.pk for i in received.matched] == [balance.pk, next_advance.pk] and received.released == 2
    assert handed_over(balance) == [(LineStatus.PAYABLE, Decimal("547.00"), date(2026, 9, 10), date(2026, 10, 10))]
    assert handed_over(next_advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), date(2026, 9, 10), date(2026, 10, 10))]


def test_a_next_years_invoice_received_early_releases_the_balance_on_its_date(contract, receive, clock):
    made = contract()
    clock(date(2026, 8, 20))
    instalments_release()
    received = receive(made, ANNUAL, year=2)
    assert received.released == 0
    clock(date(2026, 8, 31))
    assert instalments_release().released == 0
    clock(date(2026, 9, 1))
    assert instalments_release().released == 2
    # Due on the date, paid within 30 days of the invoice (20 August + 30 days).
    assert handed_over(line(made, 1, "balance")) == [(LineStatus.PAYABLE, Decimal("547.00"), date(2026, 9, 1), date(2026, 9, 19))]


# --- Last balance: final documents within 4 months of the end (III 4°) ----------------------------------------
def test_the_last_balance_needs_the_final_invoice_and_the_completion_attestation(contract, receive, clock):
    made = contract()  # ends 31 August 2027
    balance = line(made, 2, "balance")
    clock(date(2027, 9, 2))
    instalments_release()
    received = receive(made, FINAL)
    assert [i.pk for i in received.matched] == [balance.pk] and received.released == 0
    assert decision(made, balance, date(2027, 9, 2)).waiting_for == "attestation de réalisation (avant le 31/12/2027)"
    clock(date(2027, 9, 10))
    received = receive(made, COMPLETION)
    assert [i.pk for i in received.matched] == [balance.pk] and received.released == 1
    assert handed_over(balance) == [(LineStatus.PAYABLE, Decimal("547.00"), date(2027, 9, 10), date(2027, 10, 10))]


def test_final_documents_received_on_the_last_day_of_the_4_months_make_the_balance_payable(contract, receive, clock):
    made = contract()
    clock(date(2027, 12, 31))  # 31 August 2027 + 4 months
    instalments_release()
    receive(made, FINAL)
    assert receive(made, COMPLETION).released == 1
    assert handed_over(line(made, 2, "balance")) == [
        (LineStatus.PAYABLE, Decimal("547.00"), date(2027, 12, 31), date(2028, 1, 30))
    ]


def test_final_documents_received_the_day_after_the_4_months_are_refused_and_nothing_is_stored(contract, receive, clock):
    made = contract()
    balance = line(made, 2, "balance")
    clock(date(2028, 1, 1))
    for kind in (FINAL, COMPLETION):
        with pytest.raises(ValidationError) as refused:
            receive(made, kind)
        assert refused.value.message_dict == {
            "received_on": [
                "Reçue après le 31/12/2027, plus de 4 mois après le terme du contrat : le solde n'est pas dû (R6332-25 III 4°)."
            ]
        }
    assert not CfaDocument.objects.exists()
    balance.refresh_from_db()
    assert balance.status == ScheduleStatus.PLANNED and handed_over(balance) == []


def test_the_level_7_last_balance_also_needs_the_copy_of_the_participation_invoice(contract, receive, clock, load_certifications):
    load_certifications("RNCP38962")
    made = contract(LEVEL_7)
    assert made.commitment.employer_participation == Decimal("750.00")
    balance = line(made, 2, "balance")
    clock(date(2027, 9, 2))
    instalments_release()
    receive(made, FINAL)
    assert receive(made, COMPLETION).released == 0
    assert decision(made, balance, date(2027, 9, 2)).waiting_for == (
        "copie de la facture de participation employeur (avant le 31/12/2027)"
    )
    clock(date(2027, 12, 31))
    assert receive(made, PARTICIPATION).released == 1
    assert handed_over(balance) == [(LineStatus.PAYABLE, Decimal("700.00"), date(2027, 12, 31), date(2028, 1, 30))]


@pytest.mark.parametrize(
    ("start", "end", "deadline"),
    [
        (date(2025, 11, 1), date(2026, 10, 31), date(2027, 2, 28)),  # 31 October + 4 months: 28 February
        (date(2025, 11, 1), date(2027, 10, 31), date(2028, 2, 29)),  # … 29 February in a leap year
        (date(2025, 12, 1), date(2026, 11, 30), date(2027, 3, 30)),  # 30 November + 4 months: 30 March
    ],
)
def test_the_beat_task_closes_the_last_balance_as_not_due_the_day_after_the_4_months(contract, clock, start, end, deadline):
    made = contract(
        dated(start, end, start - timedelta(days=10)), today=start + timedelta(days=2), received_on=start + timedelta(days=2)
    )
    last = max(year for year, *_ in live(made))
    balance = line(made, last, "balance")
    assert (made.end_date, balance.due_date) == (end, end + timedelta(days=1))

    clock(deadline)
    assert release_payable_instalments()["not_due"] == 0
    balance.refresh_from_db()
    assert balance.status == ScheduleStatus.PLANNED

    clock(deadline + timedelta(days=1))
    assert release_payable_instalments()["not_due"] == 1
    balance.refresh_from_db()
    assert balance.status == ScheduleStatus.NOT_DUE and handed_over(balance) == []
    entry = AuditEntry.objects.get(action="contracts.instalments.not_due")
    assert entry.changes == {"instalments": [balance.pk]}
    # Decided: a later run changes nothing.
    assert release_payable_instalments()["not_due"] == 0


def test_close_expired_balances_alone_closes_the_balance_the_day_after_a_clipped_deadline(contract, clock):
    """30 November + 4 months = 30 March, and 31 March − 4 months = 30 November: the selection of the
    contracts must include an end equal to today − 4 months."""
    made = contract(
        dated(date(2025, 12, 1), date(2026, 11, 30), date(2025, 11, 20)), today=date(2025, 12, 3), received_on=date(2025, 12, 3)
    )
    clock(date(2027, 3, 30))  # the deadline
    assert close_expired_balances() == 0
    assert line(made, 1, "balance").status == ScheduleStatus.PLANNED
    clock(date(2027, 3, 31))
    assert close_expired_balances() == 1
    assert line(made, 1, "balance").status == ScheduleStatus.NOT_DUE


# --- New CFA: advances wait for the attestation de début (V) ---------------------------------------------------
def test_a_cfa_declared_exactly_six_months_before_the_start_is_not_new(contract, receive):
    made = contract({"cfa.declaration_activite_date": "2025-03-01"})  # start 1 September 2025 − 6 months
    advance = line(made, 1, "advance")
    assert advance.due_date == date(2025, 9, 1)  # no deferral
    assert receive(made, ANNUAL, year=1).released == 1
    assert handed_over(advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))]
    with pytest.raises(ValidationError) as refused:
        receive(made, START)
    assert list(refused.value.message_dict) == ["kind"]
    assert CfaDocument.objects.count() == 1


def test_a_cfa_declared_less_than_six_months_before_the_start_waits_for_the_start_attestation(contract, receive, clock):
    made = contract({"cfa.declaration_activite_date": "2025-03-02"})  # one day less than 6 months
    advance = line(made, 1, "advance")
    assert advance.due_date == date(2025, 11, 1)  # first advance deferred (FINANCING.md §4, house rule)
    clock(date(2025, 11, 3))
    instalments_release()
    received = receive(made, ANNUAL, year=1)
    assert [i.pk for i in received.matched] == [advance.pk] and received.released == 0
    assert decision(made, advance, date(2025, 11, 3)).waiting_for == "attestation de début de formation (CFA de moins de 6 mois)"
    clock(date(2025, 11, 5))
    received = receive(made, START)
    assert advance.pk in [i.pk for i in received.matched] and received.released == 1
    # Due once both documents are in; paid within 30 days of the invoice (3 November).
    assert handed_over(advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), date(2025, 11, 5), date(2025, 12, 3))]


def test_the_next_years_advance_of_a_new_cfa_needs_its_invoice_and_the_attestation_received_once(contract, receive, clock):
    made = contract({"cfa.declaration_activite_date": "2025-08-01"})
    clock(date(2025, 11, 3))
    receive(made, ANNUAL, year=1)
    receive(made, START)
    clock(date(2026, 9, 1))
    instalments_release()
    assert handed_over(line(made, 2, "advance")) == []
    assert receive(made, ANNUAL, year=2).released == 2  # the advance of year 2 and the balance of year 1
    assert handed_over(line(made, 2, "advance")) == [
        (LineStatus.PAYABLE, Decimal("2188.00"), date(2026, 9, 1), date(2026, 10, 1))
    ]


# --- R2021 contracts (signed before 1 July 2025) ---------------------------------------------------------------
def test_an_r2021_contract_pays_its_last_balance_at_its_date_without_final_documents(contract, clock):
    made = contract({"contrat.date_conclusion": "2025-06-30"})
    assert made.commitment.regime == "R2021"
    balance = line(made, 2, "balance")
    assert (balance.due_date, balance.net) == (date(2027, 6, 1), Decimal("1641.00"))  # the 10th month (2020 text, III 3°)
    clock(date(2027, 5, 31))
    instalments_release()
    assert handed_over(balance) == []
    clock(date(2027, 6, 1))
    instalments_release()
    assert handed_over(balance) == [(LineStatus.PAYABLE, Decimal("1641.00"), date(2027, 6, 1), date(2027, 6, 30))]
    assert not CfaDocument.objects.exists()
    clock(date(2028, 1, 1))
    assert close_expired_balances() == 0


def test_an_r2021_advance_still_needs_its_invoice(contract, receive):
    made = contract({"contrat.date_conclusion": "2025-06-30"})
    assert instalments_release().released == 0
    assert decision(made, line(made, 1, "advance"), date(2025, 9, 15)).waiting_for == "facture de l'année 1"
    assert receive(made, ANNUAL, year=1).released == 1


# --- Trop-perçus, zero lines, missing IBAN --------------------------------------------------------------------
def test_a_negative_regularisation_after_a_rupture_is_handed_over_as_a_negative_line(contract, staff, clock):
    made = contract({"contrat.date_conclusion": "2025-06-30"})  # R2021: the year's balance is paid at month 10
    clock(date(2026, 6, 1))
    instalments_release()
    clock(date(2026, 7, 15))
    contract_rupture(actor=staff, contract_id=made.pk, rupture_date=date(2026, 7, 15), cause="accord_commun")
    # 11 months begun out of 12 (2020 text, VI): 5 470 × 11 / 12 = 5 014.17, for 5 470 already due.
    regularisation = line(made, 1, "regularisation")
    assert (regularisation.due_date, regularisation.net) == (date(2026, 7, 16), Decimal("-455.83"))
    assert [row[:2] for row in live(made)] == [(1, "advance"), (1, "month7"), (1, "balance"), (1, "regularisation")]
    # The month-7 and balance lines handed over before the rupture were cancelled and recomputed: they
    # are handed over again; the regularisation waits for its date.
    assert instalments_release().released == 2
    assert handed_over(regularisation) == []
    clock(date(2026, 7, 16))
    assert instalments_release().released == 1
    assert handed_over(regularisation) == [(LineStatus.PAYABLE, Decimal("-455.83"), date(2026, 7, 16), date(2026, 7, 31))]


def test_an_advance_the_participation_absorbs_is_settled_at_once(contract, receive, staff, load_certifications):
    load_certifications("RNCP38962")
    cpne = Cpne.objects.create(code="77", name="CPNE de la boulangerie-pâtisserie")
    publication = NpecPublication.objects.create(file_name="r.xlsx", checksum="e" * 64)
    CpneIdcc.objects.create(publication=publication, cpne=cpne, idcc_code="0843")
    npec_decision_record(actor=staff, rncp="RNCP38962", cpne_code="77", amount=Decimal("1500"), applicable_from=date(2025, 1, 1))
    made = contract(LEVEL_7)
    advance = line(made, 1, "advance")
    # 40 % of 1 500 = 600, less the 750 of participation: nothing left to pay.
    assert (advance.gross, advance.deduction, advance.net) == (Decimal("600.00"), Decimal("600.00"), ZERO)
    received = receive(made, ANNUAL, year=1)
    assert [i.pk for i in received.matched] == [advance.pk] and received.released == 0
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.PAID and handed_over(advance) == []
    assert not PayableLine.objects.exists()


def test_a_contract_whose_cfa_has_no_iban_stays_planned_and_is_reported_blocked(contract, receive):
    made = contract()
    TrainingProvider.objects.filter(siret=CFA_SIRET).update(iban="")
    advance = line(made, 1, "advance")
    assert receive(made, ANNUAL, year=1).released == 0
    report = instalments_release()
    assert (report.released, report.blocked) == (0, [f"{made.file_number} : IBAN absent ou invalide"])
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.PLANNED and not PayableLine.objects.exists()
    TrainingProvider.objects.filter(siret=CFA_SIRET).update(iban=CFA_IBAN)
    report = instalments_release()
    assert (report.released, report.blocked) == (1, [])
    assert handed_over(advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))]


# --- Ruptures: before and after a payment run took the advance ------------------------------------------------
def test_a_rupture_cancels_the_payable_advance_and_the_recomputed_lines_are_released_by_the_rules(
    contract, receive, staff, clock
):
    made = contract()
    old_advance = line(made, 1, "advance")
    receive(made, ANNUAL, year=1)
    clock(date(2025, 10, 5))
    contract_rupture(actor=staff, contract_id=made.pk, rupture_date=date(2025, 10, 5), cause="accord_commun")
    old_advance.refresh_from_db()
    assert old_advance.status == ScheduleStatus.SUPERSEDED
    assert handed_over(old_advance) == [(LineStatus.CANCELLED, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))]
    # 35 days: 5 470 × 35 / 365 = 524.52, for the advance of 2 188.00 (FINANCING.md §4, rupture).
    assert live(made) == [
        (1, "advance", date(2025, 9, 1), Decimal("2188.00"), ScheduleStatus.PLANNED),
        (1, "balance", date(2025, 10, 6), Decimal("-1663.48"), ScheduleStatus.PLANNED),
    ]
    new_advance, closing = line(made, 1, "advance"), line(made, 1, "balance")
    # The invoice already received still counts for the recomputed advance.
    assert instalments_release().released == 1
    assert handed_over(new_advance) == [(LineStatus.PAYABLE, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))]
    assert handed_over(closing) == []
    clock(date(2025, 10, 6))
    assert instalments_release().released == 1
    assert handed_over(closing) == [(LineStatus.PAYABLE, Decimal("-1663.48"), date(2025, 10, 6), date(2025, 10, 31))]
    assert PayableLine.objects.filter(status=LineStatus.PAYABLE).count() == 2


def test_a_rupture_keeps_the_advance_a_run_took_and_adds_the_trop_percu(contract, receive, staff, finance, clock):
    made = contract()
    advance = line(made, 1, "advance")
    receive(made, ANNUAL, year=1)
    run = payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16)).run
    clock(date(2025, 10, 5))
    contract_rupture(actor=staff, contract_id=made.pk, rupture_date=date(2025, 10, 5), cause="accord_commun")
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.IN_RUN
    assert handed_over(advance) == [(LineStatus.IN_RUN, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))]
    assert PayableLine.objects.get(source_id=advance.pk).run_id == run.pk
    assert live(made) == [
        (1, "advance", date(2025, 9, 1), Decimal("2188.00"), ScheduleStatus.IN_RUN),
        (1, "balance", date(2025, 10, 6), Decimal("-1663.48"), ScheduleStatus.PLANNED),
    ]
    assert sum(row[3] for row in live(made)) == Decimal("524.52")
    clock(date(2025, 10, 6))
    assert instalments_release().released == 1
    assert handed_over(line(made, 1, "balance")) == [
        (LineStatus.PAYABLE, Decimal("-1663.48"), date(2025, 10, 6), date(2025, 10, 31))
    ]


# --- Contract statuses -------------------------------------------------------------------------------------------
def test_a_contract_deposited_on_deca_is_paid_like_an_accepted_one(contract, receive, staff):
    """Accepted → deposited (DECA) → running: the commitment lives on, and a CFA may cite the DECA number."""
    made = contract()
    contract_deposit_deca(actor=staff, contract_id=made.pk, deca_number="011202509000123")
    received = cfa_document_receive(
        actor=staff,
        contract_reference="011202509000123",
        kind=ANNUAL,
        cfa_siret=CFA_SIRET,
        year=1,
        number="F-DECA-1",
    )
    assert (received.document.contract_id, received.released) == (made.pk, 1)
    assert handed_over(line(made, 1, "advance")) == [
        (LineStatus.PAYABLE, Decimal("2188.00"), date(2025, 9, 15), date(2025, 10, 15))
    ]
