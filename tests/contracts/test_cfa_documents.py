"""Receiving a CFA's invoices and attestations (contracts.alternance.cfa_documents): every refusal names its field
in French and stores nothing; a received document is matched to the instalments it unlocks."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.alternance.decisions import contract_rupture
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.payability import instalments_release
from contracts.models import CfaDocument, Instalment
from opco.models import AuditEntry
from payments.enums import ScheduleStatus
from payments.models import PayableLine
from referentials.models import TrainingProvider
from tests.contracts.factories import ANNUAL, CFA_SIRET, COMPLETION, FINAL, PARTICIPATION, START, base, line

pytestmark = pytest.mark.django_db

OTHER_SIRET = "78071407700069"
ANNUAL_LABEL = "Facture annuelle (avance de l'année, solde de l'année précédente)"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def receive(actor, reference, kind=ANNUAL, **values):
    values = {"cfa_siret": CFA_SIRET, "year": 1 if kind == ANNUAL else None, "number": "F-2025-001", **values}
    return cfa_document_receive(actor=actor, contract_reference=reference, kind=kind, **values)


def state() -> tuple:
    """Everything a receipt may change: documents, their matches, instalments, payable lines, audit."""
    return (
        list(CfaDocument.objects.values_list("id", "kind", "year", "number")),
        list(CfaDocument.instalments.through.objects.values_list("cfadocument_id", "instalment_id")),
        list(Instalment.objects.order_by("id").values_list("id", "status")),
        PayableLine.objects.count(),
        AuditEntry.objects.filter(action="contracts.cfa_document.received").count(),
    )


def refused(actor, reference, kind=ANNUAL, **values) -> dict:
    before = state()
    with pytest.raises(ValidationError) as refusal:
        receive(actor, reference, kind, **values)
    assert state() == before
    return refusal.value.message_dict


# --- Refusals ---------------------------------------------------------------------------------------------
def test_an_unknown_contract_is_refused(staff, contract):
    contract()
    assert refused(staff, "AP20259999999") == {"contract": ["Aucun contrat ne porte le n° de dossier ou DECA « AP20259999999 »."]}
    assert refused(staff, "  ") == {"contract": ["Indiquez le n° de dossier OPCO ou le n° DECA du contrat."]}


def test_a_contract_without_commitment_is_refused(staff, referentials, clock):
    clock(date(2025, 9, 15))
    received = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    assert refused(staff, received.file_number) == {
        "contract": [
            f"Le contrat {received.file_number} n'a pas d'engagement de financement (« Reçu ») : "
            "la pièce ne correspond à aucune échéance."
        ]
    }


def test_a_document_from_another_cfa_is_refused(staff, contract):
    made = contract()
    assert refused(staff, made.file_number, cfa_siret="780 714 077 00069") == {
        "cfa_siret": [f"La pièce est émise par le SIRET {OTHER_SIRET} ; le CFA du contrat {made.file_number} est {CFA_SIRET}."]
    }


def test_a_second_annual_invoice_for_the_same_year_is_refused(staff, contract):
    made = contract()
    receive(staff, made.file_number, number="F-1")
    assert refused(staff, made.file_number, number="F-2") == {
        "kind": [f"{ANNUAL_LABEL} (année 1) du contrat {made.file_number} déjà reçue le 15/09/2025."]
    }


def test_a_second_attestation_of_the_same_kind_is_refused(staff, contract, clock):
    made = contract()
    clock(date(2027, 9, 2))
    receive(staff, made.file_number, COMPLETION, number="")
    assert refused(staff, made.file_number, COMPLETION, number="") == {
        "kind": [f"Attestation de réalisation du contrat {made.file_number} déjà reçue le 02/09/2027."]
    }


def test_an_invoice_number_the_cfa_already_sent_is_refused_even_for_another_contract(staff, contract):
    first, second = contract(), contract()
    receive(staff, first.file_number, number="F-2025-001")
    assert refused(staff, second.file_number, number=" F-2025-001 ") == {
        "number": [f"La facture n° F-2025-001 de ce CFA a déjà été reçue le 15/09/2025 (contrat {first.file_number})."]
    }


def test_the_same_invoice_number_from_another_cfa_is_another_invoice(staff, contract):
    TrainingProvider.objects.create(
        siret=OTHER_SIRET, name="CFA de Caen", uai="0141687H", city="Caen", iban="FR7630004000031234567890143"
    )
    first = contract()
    other = contract({"cfa.siret": OTHER_SIRET, "cfa.uai": "0141687H"})
    receive(staff, first.file_number, number="F-2025-001")
    received = receive(staff, other.file_number, cfa_siret=OTHER_SIRET, number="F-2025-001")
    assert received.document.cfa_siret == OTHER_SIRET
    assert CfaDocument.objects.filter(number="F-2025-001").count() == 2


def test_a_year_beyond_the_schedule_is_refused(staff, contract):
    made = contract()
    assert refused(staff, made.file_number, year=3) == {
        "year": [f"Le contrat {made.file_number} n'a que 2 année(s) de financement."]
    }
    assert refused(staff, made.file_number, year=None) == {
        "year": ["Indiquez l'année du contrat que la facture concerne (1, 2, 3…)."]
    }
    assert refused(staff, made.file_number, year=0) == {
        "year": ["Indiquez l'année du contrat que la facture concerne (1, 2, 3…)."]
    }


def test_an_invoice_needs_its_number(staff, contract):
    made = contract()
    assert refused(staff, made.file_number, number="  ") == {"number": ["Indiquez le numéro de la facture."]}
    assert refused(staff, made.file_number, FINAL, number="") == {"number": ["Indiquez le numéro de la facture."]}


def test_a_start_attestation_for_a_cfa_that_is_not_new_is_refused(staff, contract):
    made = contract()  # CFA declared in 2012
    assert refused(staff, made.file_number, START, number="") == {
        "kind": [
            "L'attestation de début de formation n'est demandée que pour un CFA déclaré depuis moins de 6 mois "
            "(R6332-25 V) : elle ne correspond à aucune échéance de ce contrat."
        ]
    }


def test_a_participation_invoice_when_none_is_due_is_refused(staff, contract):
    made = contract()  # level 3: no employer participation
    assert made.commitment.employer_participation == Decimal("0.00")
    assert refused(staff, made.file_number, PARTICIPATION, number="P-1") == {
        "kind": [
            "Aucune participation de l'employeur n'est due pour ce contrat (R6332-25-1) : "
            "la copie de sa facture ne correspond à aucune échéance."
        ]
    }


def test_a_receipt_in_the_future_or_an_issue_after_the_receipt_is_refused(staff, contract):
    made = contract()
    assert refused(staff, made.file_number, received_on=date(2025, 9, 16)) == {
        "received_on": ["La date de réception ne peut pas être dans le futur."]
    }
    assert refused(staff, made.file_number, issued_on=date(2025, 9, 14), received_on=date(2025, 9, 13)) == {
        "issued_on": ["La pièce ne peut pas être émise après sa réception."]
    }


def test_an_unknown_kind_is_refused(staff, contract):
    made = contract()
    assert refused(staff, made.file_number, "facture_divers") == {"kind": ["Type de pièce inconnu."]}


def test_a_document_that_unlocks_nothing_is_refused(staff, contract, clock):
    made = contract()
    clock(date(2025, 10, 5))
    contract_rupture(actor=staff, contract_id=made.pk, rupture_date=date(2025, 10, 5), cause="accord_commun")
    # The last balance is now a trop-perçu (−1 663.48): the final invoice has nothing to unlock.
    assert line(made, 1, "balance").net == Decimal("-1663.48")
    assert refused(staff, made.file_number, FINAL) == {
        "kind": [
            f"Facture du solde final ne correspond à aucune échéance à payer du contrat {made.file_number} "
            "(déjà payée, non due ou remplacée)."
        ]
    }


def test_an_attestation_de_realisation_dated_before_the_end_of_training_is_refused(staff, contract, clock):
    """R6332-25 III 4°: the attestation of the training carried out comes after it; one received on
    05/12/2026 for a training ending 30/06/2027 (contract to 31/08/2027) would release the balance early."""
    made = contract()
    clock(date(2026, 12, 5))
    assert refused(staff, made.file_number, COMPLETION, number="") == {
        "issued_on": [
            f"Attestation de réalisation datée du 05/12/2026, avant la fin de la formation du contrat {made.file_number} "
            "(30/06/2027) : elle ne peut attester des actions de formation pas encore réalisées (R6332-25 III 4°)."
        ]
    }
    clock(date(2027, 7, 10))
    assert "29/06/2027" in refused(staff, made.file_number, COMPLETION, number="", issued_on=date(2027, 6, 29))["issued_on"][0]
    # The day the training ends is enough (boundary).
    received = receive(staff, made.file_number, COMPLETION, number="", issued_on=date(2027, 6, 30))
    assert [(i.year, i.kind) for i in received.matched] == [(2, "balance")]


def test_after_a_rupture_the_attestation_de_realisation_may_follow_the_rupture(staff, contract, clock):
    made = contract()
    clock(date(2026, 1, 20))
    contract_rupture(actor=staff, contract_id=made.pk, rupture_date=date(2026, 1, 16), cause="accord_commun")
    message = refused(staff, made.file_number, COMPLETION, number="", issued_on=date(2026, 1, 15))
    assert list(message) == ["issued_on"] and "(16/01/2026)" in message["issued_on"][0]
    # Dated the rupture's day, it is no longer early: what it unlocks is the schedule's business.
    assert "issued_on" not in refused(staff, made.file_number, COMPLETION, number="", issued_on=date(2026, 1, 16))


# --- Matching ------------------------------------------------------------------------------------------------
def test_the_annual_invoice_of_year_2_matches_the_advance_of_year_2_and_the_balance_of_year_1(staff, contract, clock):
    made = contract()
    clock(date(2026, 8, 20))
    instalments_release()  # the 7th- and 10th-month lines of year 1, due by now
    received = receive(
        staff, made.file_number, year=2, number="F-2026-002", amount=Decimal("2735.00"), issued_on=date(2026, 8, 18)
    )
    balance, advance = line(made, 1, "balance"), line(made, 2, "advance")
    assert [(i.year, i.kind) for i in received.matched] == [(1, "balance"), (2, "advance")]
    document = received.document
    assert sorted(document.instalments.values_list("id", flat=True)) == sorted([balance.pk, advance.pk])
    assert (document.kind, document.year, document.number, document.amount, document.issued_on, document.received_on) == (
        ANNUAL,
        2,
        "F-2026-002",
        Decimal("2735.00"),
        date(2026, 8, 18),
        date(2026, 8, 20),  # today when not given
    )
    assert (document.source, document.received_by, document.cfa_siret) == ("upload", staff, CFA_SIRET)
    # Due on 1 September: matched now, released on that day.
    assert received.released == 0 and balance.status == advance.status == ScheduleStatus.PLANNED
    entry = AuditEntry.objects.get(action="contracts.cfa_document.received")
    assert entry.summary == (
        f"{ANNUAL_LABEL} année 2 – {made.file_number} reçue le 20/08/2026 : 2 échéance(s) concernée(s), 0 mise(s) en paiement"
    )


def test_the_annual_invoice_of_year_1_matches_its_advance_only_and_the_siret_is_read_as_typed(staff, contract):
    made = contract()
    received = receive(staff, made.file_number, cfa_siret="444 922 389 00036")  # as printed on the invoice
    assert [(i.year, i.kind) for i in received.matched] == [(1, "advance")]
    assert received.released == 1


def test_final_documents_match_the_last_balance(staff, contract, clock):
    made = contract()
    clock(date(2027, 9, 2))
    for kind, number in ((FINAL, "S-1"), (COMPLETION, "")):
        received = receive(staff, made.file_number, kind, number=number)
        assert [(i.year, i.kind) for i in received.matched] == [(2, "balance")]
    assert CfaDocument.objects.get(kind=COMPLETION).number == ""


def test_the_start_attestation_matches_every_advance_of_a_new_cfa(staff, contract):
    made = contract({"cfa.declaration_activite_date": "2025-08-01"})
    received = receive(staff, made.file_number, START, number="ignored", amount=Decimal("10"))
    assert [(i.year, i.kind) for i in received.matched] == [(1, "advance"), (2, "advance")]
    # An attestation has neither number nor amount.
    assert (received.document.number, received.document.amount, received.document.year) == ("", None, None)


def test_the_file_of_the_document_is_stored(staff, contract):
    made = contract()
    upload = SimpleUploadedFile("facture.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", content_type="application/pdf")
    received = receive(staff, made.file_number, file=upload)
    document = CfaDocument.objects.get(pk=received.document.pk)
    assert document.file.name.startswith("cfa_documents/2025/09/") and document.file.read().startswith(b"%PDF-")


def test_a_contract_is_found_by_its_file_number_whatever_the_spaces(staff, contract):
    made = contract()
    assert receive(staff, f"  {made.file_number} ").document.contract_id == made.pk


# --- Screens ---------------------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
LIST_URL = "/contrats/factures-cfa/"


@pytest.fixture
def gestionnaire(staff, client):
    client.force_login(staff)
    return client


def upload_data(made=None, **values) -> dict:
    data = {
        "cfa-kind": ANNUAL,
        "cfa-cfa_siret": CFA_SIRET,
        "cfa-year": "1",
        "cfa-number": "F-2025-0917",
        "cfa-amount": "2188.00",
        "cfa-issued_on": "2025-09-10",
        "cfa-received_on": "2025-09-15",
        "cfa-file": SimpleUploadedFile("Facture.pdf", PDF, content_type="application/pdf"),
    }
    if made is not None:
        data["cfa-contract"] = made.file_number
    data.update({f"cfa-{name}": value for name, value in values.items()})
    return data


def test_the_list_shows_received_documents_with_filters_and_a_csv_export(gestionnaire, staff, contract, clock):
    first, second = contract(), contract()
    receive(staff, first.file_number, number="F-1", amount=Decimal("2188.00"))
    clock(date(2025, 9, 20))
    receive(staff, second.file_number, number="F-2")
    response = gestionnaire.get(reverse("contracts:cfa_documents"))
    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert [(d.contract.file_number, d.number) for d in rows] == [(second.file_number, "F-2"), (first.file_number, "F-1")]
    html = response.content.decode()
    assert "Avance année 1" in html and 'id="cfa-document-form"' in html

    def numbers(**query):
        return [d.number for d in gestionnaire.get(LIST_URL, query).context["object_list"]]

    assert numbers(contract=first.file_number.lower()) == ["F-1"]
    assert numbers(received_from="2025-09-16") == ["F-2"]
    assert numbers(received_to="2025-09-15") == ["F-1"]
    assert numbers(kind=FINAL) == []
    assert numbers(cfa_siret="444 922 389 00036") == ["F-2", "F-1"]
    assert numbers(cfa_siret=OTHER_SIRET) == []

    export = gestionnaire.get(LIST_URL, {"contract": first.file_number, "format": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines == [
        "Reçue le;N° de dossier;N° DECA;Pièce;Année;SIRET du CFA;N° de facture;Montant;Émise le;Échéances concernées;"
        "Reçue par;Enregistrée par;Fichier joint",
        f"2025-09-15;{first.file_number};;{ANNUAL_LABEL};1;{CFA_SIRET};F-1;2188.00;;Avance année 1;Dépôt à l'écran;{staff};non",
    ]


@pytest.mark.parametrize("group", ["gestionnaire", "finance"])
def test_gestionnaires_and_finance_upload_a_document_from_the_list(client, make_user, contract, group):
    made = contract()
    user = make_user(kind="staff", groups=[group])
    client.force_login(user)
    response = client.post(LIST_URL, upload_data(made))
    assert response.status_code == 302 and response["Location"] == LIST_URL
    document = CfaDocument.objects.get()
    assert (document.contract_id, document.number, document.received_by, document.source) == (
        made.pk,
        "F-2025-0917",
        user,
        "upload",
    )
    assert document.file.name.endswith(".pdf") and "Facture" not in document.file.name
    assert line(made, 1, "advance").status == ScheduleStatus.PAYABLE
    page = client.get(LIST_URL).content.decode()
    message = f"{ANNUAL_LABEL} année 1 – {made.file_number} enregistrée : 1 échéance(s) concernée(s), 1 mise(s) en paiement."
    assert escape(message) in page


def test_a_refused_upload_shows_the_reason_next_to_its_field_and_stores_nothing(gestionnaire, contract):
    made = contract()
    before = state()
    response = gestionnaire.post(LIST_URL, upload_data(made, cfa_siret=OTHER_SIRET))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "cfa_siret": [f"La pièce est émise par le SIRET {OTHER_SIRET} ; le CFA du contrat {made.file_number} est {CFA_SIRET}."]
    }
    html = response.content.decode()
    assert 'data-field="cfa_siret"' in html and "Pièce non enregistrée : corrigez les champs signalés." in html
    assert state() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("facture.pdf", b"GIF89a", "Seuls les fichiers PDF, JPEG et PNG sont acceptés."),
        ("facture.jpg", PDF, "L'extension « .jpg » ne correspond pas au contenu du fichier."),
    ],
)
def test_an_upload_of_another_type_is_refused_on_the_form(gestionnaire, contract, name, content, message):
    made = contract()
    before = state()
    response = gestionnaire.post(LIST_URL, upload_data(made, file=SimpleUploadedFile(name, content)))
    assert response.context["form"].errors == {"file": [message]}
    assert state() == before


def test_an_upload_over_10_mo_is_refused_on_the_form(gestionnaire, contract):
    made = contract()
    big = SimpleUploadedFile("facture.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = gestionnaire.post(LIST_URL, upload_data(made, file=big))
    assert response.context["form"].errors == {"file": ["Le fichier dépasse 10 Mo (10.0 Mo) : réduisez-le ou scannez-le en PDF."]}
    assert not CfaDocument.objects.exists()


def test_the_form_checks_its_own_fields_in_french(gestionnaire, contract):
    made = contract()
    response = gestionnaire.post(LIST_URL, upload_data(made, year="zéro", amount="-3", received_on="31/02/2025", contract=""))
    assert response.context["form"].errors == {
        "contract": ["Ce champ est obligatoire."],
        "year": ["Saisissez un nombre entier."],
        "amount": ["Assurez-vous que cette valeur est supérieure ou égale à 0."],
        "received_on": ["Saisissez une date valide."],
    }
    assert not CfaDocument.objects.exists()


def test_other_staff_read_the_list_but_do_not_upload(client, make_user, contract):
    made = contract()
    client.force_login(make_user(kind="staff", groups=["responsable"]))
    page = client.get(LIST_URL)
    assert page.status_code == 200 and 'id="cfa-document-form"' not in page.content.decode()
    assert client.post(LIST_URL, upload_data(made)).status_code == 403
    assert client.post(reverse("contracts:contract_cfa_documents", args=[made.pk]), upload_data()).status_code == 403
    assert not CfaDocument.objects.exists()


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_the_screens_are_for_staff_only(client, make_user, staff, contract, kind):
    made = contract()
    document = receive(staff, made.file_number, file=SimpleUploadedFile("f.pdf", PDF)).document
    client.force_login(make_user(kind=kind))
    for url in (
        LIST_URL,
        reverse("contracts:contract_cfa_documents", args=[made.pk]),
        reverse("contracts:cfa_document_file", args=[document.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(LIST_URL, upload_data(made)).status_code == 403
    assert CfaDocument.objects.count() == 1


def test_the_contract_page_loads_the_section_with_the_instalments_and_what_they_wait_for(gestionnaire, staff, contract):
    made = contract()
    detail = gestionnaire.get(reverse("contracts:detail", args=[made.pk])).content.decode()
    section_url = reverse("contracts:contract_cfa_documents", args=[made.pk])
    assert f'hx-get="{section_url}"' in detail
    receive(staff, made.file_number, number="F-1")
    response = gestionnaire.get(section_url, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == "contracts/cfa_documents_section.html"
    rows = [(r["instalment"].year, r["kind_label"], r["status"], r["condition"]) for r in response.context["rows"]]
    assert rows == [
        (1, "Avance", "À payer", ""),
        (1, "7e mois", "Prévue", "Payable à partir du 01/03/2026"),
        (1, "10e mois", "Prévue", "Payable à partir du 01/06/2026"),
        (1, "Solde", "Prévue", "En attente : facture de l'année 2"),
        (2, "Avance", "Prévue", "En attente : facture de l'année 2"),
        (2, "7e mois", "Prévue", "Payable à partir du 01/03/2027"),
        (2, "10e mois", "Prévue", "Payable à partir du 01/06/2027"),
        (2, "Solde", "Prévue", "En attente : facture du solde final, attestation de réalisation (avant le 31/12/2027)"),
    ]
    html = response.content.decode()
    assert "Avance année 1" in html and "F-1" in html and 'hx-post="' + section_url + '"' in html
    assert 'name="cfa-cfa_siret" value="44492238900036"' in html


def test_an_upload_on_the_contract_page_reloads_the_page(gestionnaire, contract):
    made = contract()
    url = reverse("contracts:contract_cfa_documents", args=[made.pk])
    response = gestionnaire.post(url, upload_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    # A location without anchor: the browser reloads the page (a fragment alone would not).
    assert response["HX-Redirect"] == reverse("contracts:detail", args=[made.pk])
    assert CfaDocument.objects.get().contract_id == made.pk
    assert line(made, 1, "advance").status == ScheduleStatus.PAYABLE


def test_without_htmx_the_contract_section_is_a_page_with_its_errors_then_a_redirect(gestionnaire, contract):
    made = contract()
    url = reverse("contracts:contract_cfa_documents", args=[made.pk])
    page = gestionnaire.get(url)
    assert [t.name for t in page.templates][:2] == ["contracts/cfa_documents_contract.html", "base.html"]
    refused_post = gestionnaire.post(url, upload_data(year="3"))
    assert refused_post.status_code == 200
    assert refused_post.context["form"].errors == {"year": [f"Le contrat {made.file_number} n'a que 2 année(s) de financement."]}
    assert not CfaDocument.objects.exists()
    accepted_post = gestionnaire.post(url, upload_data())
    assert accepted_post.status_code == 302
    assert accepted_post["Location"] == reverse("contracts:detail", args=[made.pk])


def test_a_contract_without_commitment_has_no_upload_form(gestionnaire, staff, referentials):
    received = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    response = gestionnaire.get(reverse("contracts:contract_cfa_documents", args=[received.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Aucun engagement de financement" in html and 'id="cfa-document-form"' not in html
    assert response.context["form"] is None


def test_the_file_is_downloaded_through_the_contract_scoping(gestionnaire, staff, contract):
    made = contract()
    with_file = receive(staff, made.file_number, number="F-1", file=SimpleUploadedFile("f.pdf", PDF)).document
    response = gestionnaire.get(reverse("contracts:cfa_document_file", args=[with_file.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="facture_annuelle-{made.file_number}-annee1.pdf"'
    assert (response["Content-Type"], response["Cache-Control"]) == ("application/pdf", "private, no-store")
    assert b"".join(response.streaming_content) == PDF
    without_file = receive(staff, made.file_number, FINAL, number="S-1", received_on=date(2025, 9, 15)).document
    assert gestionnaire.get(reverse("contracts:cfa_document_file", args=[without_file.pk])).status_code == 404


def test_the_menu_links_to_the_list_for_staff(gestionnaire):
    assert f'href="{LIST_URL}"' in gestionnaire.get(reverse("contracts:list")).content.decode()
