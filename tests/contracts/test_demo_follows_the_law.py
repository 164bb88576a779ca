"""The demo's contracts follow the law: none pays less than the minimum of D6222-26 (the declared
salary against the SMIC of its start date, every period's rate); its work queue holds files received
in the last days; its NPEC referential is France compétences' workbook, imported by the real service."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from branches.models import NpecEntry, NpecPublication
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 5)


def test_the_demo_follows_the_law_and_has_a_recent_work_queue_and_the_npec_referential(load):
    # One seed (it takes most of a minute), three properties.
    load()
    with time_machine.travel(datetime(2026, 12, 5, 12, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        call_command("seed_demo", contracts=40)
        no_demo_contract_pays_under_the_minimum()
        the_demo_work_queue_holds_recent_files()
        the_demo_imports_the_npec_workbook_once()


def no_demo_contract_pays_under_the_minimum():
    contracts = ApprenticeshipContract.objects.filter(contract_kind=ContractKind.APPRENTISSAGE)
    assert contracts.count() >= 30
    remuneration = {}
    for contract in contracts:
        run = contract.check_runs.order_by("-ran_at", "-id").first()
        remuneration[contract.file_number] = next(c for c in run.results if c["code"] == "REMUNERATION")
    assert [number for number, check in remuneration.items() if check["status"] == "error"] == []
    # The salary was compared (the SMIC history covers every start date), not skipped.
    assert all("Salaire à l'embauche de" in check["message"] for check in remuneration.values())


def the_demo_work_queue_holds_recent_files():
    queue = ApprenticeshipContract.objects.filter(status=ContractStatus.RECEIVED)
    assert queue.count() >= 8
    assert all(TODAY - timedelta(days=7) <= contract.received_on <= TODAY for contract in queue)


def the_demo_imports_the_npec_workbook_once():
    publication = NpecPublication.objects.get(file_name__startswith="Referentiel-des-NPEC-15.07.2024")
    assert publication.entry_count == NpecEntry.objects.filter(publication=publication).count() > 0
    call_command("seed_demo", contracts=0)
    assert NpecPublication.objects.filter(file_name__startswith="Referentiel-des-NPEC-15.07.2024").count() == 1
