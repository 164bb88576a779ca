"""In a real browser (Chromium through Playwright): recording a CFA's document from the contract page
reloads the page with a French message (before, an anchor-only redirect left the page as it was and
people submitted twice); a refusal shows in the form and stores nothing."""

from datetime import date

import pytest

from contracts.models import CfaDocument
from tests.contracts.factories import CFA_SIRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def test_recording_a_cfa_document_on_the_contract_page_reloads_it_with_a_message(
    page, live_server, browser_login, staff, contract, tmp_path, settings
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    made = contract(today=date(2025, 9, 15))
    browser_login(page, staff)
    page.goto(f"{live_server.url}/contrats/{made.pk}/")
    form = page.locator("#cfa-document-form")
    expect(form).to_be_visible()
    pdf = tmp_path / "facture.pdf"
    pdf.write_bytes(PDF)

    # A refusal: the year is beyond the schedule; the form says why, nothing is stored.
    form.locator("select[name=cfa-kind]").select_option("facture_annuelle")
    form.locator("input[name=cfa-cfa_siret]").fill(CFA_SIRET)
    form.locator("input[name=cfa-year]").fill("3")
    form.locator("input[name=cfa-number]").fill("F-2025-0917")
    form.locator("input[name=cfa-file]").set_input_files(str(pdf))
    form.locator("button[type=submit]").click()
    expect(page.locator("#cfa-document-refused")).to_have_text("Pièce non enregistrée : corrigez les champs signalés.")
    expect(page.locator(".field-error[data-field=year]")).to_contain_text("n'a que 2 année(s) de financement")
    assert not CfaDocument.objects.exists()

    # Accepted: the page reloads (its load count changes) with the French success message on top.
    page.evaluate("window.__before_reload = true")
    form = page.locator("#cfa-document-form")
    form.locator("input[name=cfa-year]").fill("1")
    form.locator("input[name=cfa-file]").set_input_files(str(pdf))
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("enregistrée : 1 échéance(s) concernée(s), 1 mise(s) en paiement")
    assert page.evaluate("window.__before_reload === undefined")
    expect(page.locator("#cfa-received")).to_contain_text("F-2025-0917")
    assert CfaDocument.objects.filter(contract=made).count() == 1


def test_accepting_a_funding_asks_for_a_confirmation_first(page, live_server, browser_login, staff, accept, clock):
    """A money decision is never one click: dismissing the browser's question changes nothing."""
    from contracts.alternance import workflow
    from contracts.alternance.deposit import contract_deposit
    from contracts.models import ApprenticeshipContract
    from tests.contracts.factories import base

    clock(date(2025, 9, 15))
    contract = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    browser_login(page, staff)
    page.goto(f"{live_server.url}/contrats/{contract.pk}/")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("#action-accept button[type=submit]").click()
    page.wait_for_timeout(300)
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == "instruction"
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.locator("#action-accept button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == "accepted"
    number = contract.file_number
    question = f"Accepter la prise en charge du dossier {number} ? Le financement est engagé sur le budget et l'échéancier créé."
    assert questions == [question, question]


def test_the_work_queue_takes_ticked_received_files_in_instruction(page, live_server, browser_login, staff, referentials, clock):
    """The queue's boxes and its « Prendre en instruction la sélection » button: back on the queue, the
    file taken is named and no longer has a box."""
    from playwright.sync_api import expect

    from contracts.alternance.deposit import contract_deposit
    from contracts.models import ApprenticeshipContract
    from tests.contracts.factories import base, changed

    clock(date(2025, 9, 15))
    first = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    data = changed({**base(), "recu_le": "2025-09-03"}, {"apprenti.nom": "Bernard"})
    second = contract_deposit(actor=staff, data=data).contract
    browser_login(page, staff)
    page.goto(f"{live_server.url}/contrats/file/")
    page.locator(f"#queue-table input[name=ids][value='{first.pk}']").check()
    page.locator("#queue-bulk-instruct").click()
    expect(page.locator(".alert-success")).to_contain_text(f"1 dossier(s) pris en instruction : {first.file_number}.")
    assert page.url.startswith(f"{live_server.url}/contrats/file/")
    expect(page.locator(f"#queue-table input[name=ids][value='{first.pk}']")).to_have_count(0)
    expect(page.locator(f"#queue-table input[name=ids][value='{second.pk}']")).to_have_count(1)
    statuses = dict(ApprenticeshipContract.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "instruction", second.pk: "received"}
