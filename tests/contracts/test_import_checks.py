"""A bulk import reads reference data once per job; the checks it runs must say the same as one by one."""

import json

import pytest
from django.core.files.base import ContentFile

from contracts.alternance.imports import contract_import_run
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, ContractImport, EmployerOpposition
from tests.contracts.factories import base, changed, contract_with_master
from tests.referentials.factories import CompanyFactory

pytestmark = pytest.mark.django_db
SIRET = "00123456600014"


def import_job(*payloads) -> ContractImport:
    job = ContractImport(original_name="lot.jsonl")
    job.file.save("lot.jsonl", ContentFile("\n".join(json.dumps(p) for p in payloads).encode()), save=True)
    return contract_import_run(job_id=job.pk)


def checks_of(contract) -> dict[str, str]:
    return {check["code"]: check["status"] for check in contract.check_runs.first().results}


def test_imported_files_get_the_same_checks_as_deposited_ones(load, load_certifications, make_user):
    load("idcc", "branches", "holidays", "legal_parameters")
    load_certifications("RNCP37566")
    employer = CompanyFactory(siret=SIRET, siren=SIRET[:9])
    contract_with_master(employer)
    contract_with_master(employer, status=ContractStatus.ACCEPTED)  # Claire Martin has two running contracts
    EmployerOpposition.objects.create(siret="70000000300017", kind="opposition", starts_on="2025-01-01")
    third = {**base(), "recu_le": "2025-09-02"}
    opposed = changed(third, {"employeur.siret": "70000000300017", "maitres_apprentissage.0.nom": "Autre"})
    job = import_job(third, opposed)
    assert (job.status, job.created_count) == (ContractImport.Status.DONE, 2)
    by_siret = {c.employer_siret: checks_of(c) for c in ApprenticeshipContract.objects.filter(status=ContractStatus.RECEIVED)}
    assert by_siret[SIRET]["MAITRE"] == "error"  # the third contract of the same master (R6223-6)
    assert by_siret["70000000300017"]["EMPLOYEUR_OPPOSITION"] == "error"
    assert by_siret["70000000300017"]["MAITRE"] == "ok"
