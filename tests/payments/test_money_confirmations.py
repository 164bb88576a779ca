"""Money actions on a payment run ask for a confirmation in the browser (static/js/confirm.js reads
`data-confirm`): approving, executing, declaring sent, declaring settled, cancelling. Only the
finance service sees them; the question names the run and its amount, formatted the one French way."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.runs import payment_run_execute, payment_run_mark_sent, payment_run_prepare
from tests.payments.factories import approved_run, cfa_account, payable_line

pytestmark = pytest.mark.django_db


def forms_of(client, run) -> dict[str, str]:
    """{action slug: its confirmation question} of the run page's action forms."""
    html = client.get(reverse("payments:run_detail", args=[run.pk])).content.decode()
    found = re.findall(r'action="/paiements/lots/\d+/actions/([a-z]+)/"(?: data-confirm="([^"]*)")?', html)
    return dict(found)


def test_every_money_action_of_a_run_asks_first(client, finance, finance2, staff):
    for amount in ("1200.00", "300.00"):
        payable_line(cfa_account(), amount)
    run = payment_run_prepare(actor=finance, execution_date=timezone.localdate()).run
    client.force_login(finance2)
    assert forms_of(client, run) == {
        "approuver": f"Approuver le lot n° {run.pk} (1\u202f500,00 €, 2 virements) ?",
        "annuler": f"Annuler le lot n° {run.pk} ?",
    }
    client.force_login(staff)  # a gestionnaire: no money action at all
    assert forms_of(client, run) == {}


def test_executing_and_settling_ask_first(client, finance, finance2):
    run = approved_run(finance, finance2, [["1200.00"], ["300.00"]])
    client.force_login(finance)
    assert forms_of(client, run)["executer"] == f"Exécuter le lot n° {run.pk} (1\u202f500,00 €) : le fichier SEPA est produit ?"
    payment_run_execute(run_id=run.pk)
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    assert forms_of(client, run) == {
        "regler": f"Déclarer réglé le lot n° {run.pk} (1\u202f500,00 €) : ses lignes passent à « payé » ?"
    }
