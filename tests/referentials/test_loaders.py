import shutil
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from branches.models import Branch
from opco.models import AuditEntry
from referentials.loaders import load_certifications, load_idcc, load_providers, referentials_load
from referentials.models import Certification, Idcc, LegalParameter, Naf, PublicHoliday, TrainingProvider

pytestmark = pytest.mark.django_db


def test_real_files_load_with_exact_counts_and_known_rows(load):
    reports = load()
    assert {kind: report.total for kind, report in reports.items()} == {
        "idcc": 787,
        "branches": 52,
        "naf": 732,
        "certifications": 6822,
        "providers": 2414,
        "holidays": 3936,
        "legal_parameters": 35,
    }
    assert Idcc.objects.count() == 787
    boulangerie = Idcc.objects.get(code="0843")
    assert boulangerie.opco_name == "OPCO entreprises de proximité"
    assert Branch.objects.get(code="IDCC-0843").idccs.get() == boulangerie

    cert = Certification.objects.get(code_diplome="13511206", rncp="RNCP38962")
    assert (cert.level, cert.open_to_apprenticeship, cert.expires_on, cert.active) == (7, True, date(2029, 6, 30), True)
    assert cert.predecessor_rncp == "RNCP31847"
    expired = Certification.objects.get(code_diplome="01022001", rncp="RNCP955")
    assert (expired.active, expired.successor_rncp) == (False, "RNCP39682")

    aden = TrainingProvider.objects.get(siret="44492238900036")
    assert (aden.uai, aden.name, aden.postal_code, aden.city, aden.qualiopi, aden.nda) == (
        "0142321X",
        "ADEN FORMATIONS ORGANISATION",
        "14100",
        "Lisieux",
        True,
        "25140183914",
    )
    assert Naf.objects.get(code="43.22A").section == "F"
    assert PublicHoliday.objects.filter(date=date(2026, 12, 26)).values_list("zone", flat=True).get() == "alsace-moselle"
    assert PublicHoliday.objects.filter(date=date(2024, 2, 29)).count() == 0
    assert LegalParameter.objects.get(key="smic_hourly", valid_from=date(2026, 1, 1)).value == Decimal("12.02")
    assert LegalParameter.objects.get(key="smic_monthly", valid_from=date(2024, 11, 1)).value == Decimal("1801.80")


def test_second_load_changes_nothing(load):
    load()
    before = {model: model.objects.count() for model in (Idcc, Certification, TrainingProvider, Naf, PublicHoliday, Branch)}
    again = load()
    assert all(report.created == 0 and report.updated == 0 for report in again.values())
    assert {model: model.objects.count() for model in before} == before


def test_real_bad_rows_are_reported_with_file_and_line(load):
    reports = load("idcc", "providers", "certifications")
    provider_issues = {(i.file, i.line): i.reason for i in reports["providers"].issues}
    assert provider_issues[("referentiel-reseau-cfa-ec.csv", 2)] == (
        "UAI « 0146867D » invalide (lettre de contrôle attendue : N) : UAI non reprise"
    )
    assert provider_issues[("referentiel-reseau-cci.csv", 223)] == "SIRET « 81743928200010 » invalide : ligne ignorée"
    assert len(reports["providers"].issues) == 7
    # The provider with an invalid UAI is kept, without the UAI.
    kept = TrainingProvider.objects.get(siret="78071371500115")
    assert (kept.name, kept.uai) == ("ASSOCIATION SAINTE ANGELE", "")
    idcc_issues = [(i.file, i.line) for i in reports["idcc"].issues]
    assert ("idcc_opco.csv", 2) in idcc_issues  # IDCC 0003: in the OPCO table, not in the list
    assert reports["certifications"].issues == []


@pytest.fixture
def data_copy(tmp_path):
    shutil.copytree(settings.REFERENTIAL_DATA_DIR, tmp_path / "data")
    return tmp_path / "data"


def _append(path, line):
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def test_bad_rows_are_reported_never_silently_dropped(data_copy):
    kit = data_copy / "certifications" / "Kit_apprentissage_20250131__Kit_Apprentissage.csv"
    lines_before = sum(1 for _ in kit.open(encoding="utf-8"))
    _append(kit, "1234,TROP COURT,RNCP1,Niveau 4,CAP,v1,Oui,01/01/2030,ACTIVE,Titre,,,,,,,")
    _append(kit, "12345678,MAUVAIS NIVEAU,RNCP2,Niveau X,CAP,v1,Oui,01/01/2030,ACTIVE,Titre,,,,,,,")
    _append(kit, "12345679,MAUVAISE DATE,RNCP3,Niveau 4,CAP,v1,Oui,31/02/2030,ACTIVE,Titre,,,,,,,")
    report = load_certifications(data_copy)
    assert [(i.line, i.reason) for i in report.issues] == [
        (lines_before + 1, "code diplôme « 1234 » invalide (8 caractères attendus) : ligne ignorée"),
        (lines_before + 2, "niveau « Niveau X » illisible : ligne ignorée"),
        (lines_before + 3, "date d'échéance « 31/02/2030 » illisible : ligne ignorée"),
    ]
    assert report.created == 6822

    aden = data_copy / "providers" / "referentiel-reseau-aden.csv"
    _append(aden, "12345678901234;0142321X;FAUX SIRET;;;actif;formateur;1 rue X 14000 Caen;Normandie;Normandie;Oui;;;;;;;;;;;")
    providers = load_providers(data_copy)
    assert any(i.file == "referentiel-reseau-aden.csv" and "12345678901234" in i.reason for i in providers.issues)
    assert not TrainingProvider.objects.filter(siret="12345678901234").exists()


def test_a_changed_row_is_updated_and_only_it(data_copy):
    load_idcc(data_copy)
    path = data_copy / "idcc" / "idcc_conventions_collectives.csv"
    text = path.read_text(encoding="utf-8").replace("1000,Avocats : personnel des cabinets,", "1000,Avocats (personnel),", 1)
    path.write_text(text, encoding="utf-8")
    report = load_idcc(data_copy)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 786)
    assert Idcc.objects.get(code="1000").title == "Avocats (personnel)"


def test_each_load_is_audited():
    referentials_load(kinds=["naf"])
    entry = AuditEntry.objects.get(action="referential_load")
    assert entry.changes == {"kind": "naf", "created": 732, "updated": 0, "issues": 0}
    assert entry.actor is None and entry.actor_label == "système"


def test_unknown_kind_is_refused_and_loads_nothing():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        referentials_load(kinds=["naf", "planetes"])
    assert Naf.objects.count() == 0
