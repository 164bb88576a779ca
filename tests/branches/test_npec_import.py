"""The NPEC workbook importer (FINANCING.md §6) on the five France compétences publications kept in
`data/` (trimmed official workbooks, see /work/shared/data/npec-france-competences/SOURCE.txt) and on
workbooks built here to move the layout around."""

import io
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from branches import npec_import
from branches.models import Cpne, CpneIdcc, NpecEntry, NpecPublication
from branches.npec import lookup_npec
from branches.npec_import import npec_publication_import
from opco.models import AuditEntry

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
JULY_2024 = DATA / "Referentiel-des-NPEC-15.07.2024_vMAJ-18.07.2024.xlsx"
APRIL_2024 = DATA / "Referentiel-des-NPEC_vMAJ-09.04.2024.xlsx"
FEBRUARY_2021 = DATA / "VF_11.02.2021_Référentiel-NPEC-20192020_avec_idcc.xlsx"
SEPTEMBER_2019 = DATA / "referentiel_des_npec-2-1.xlsx"
OCTOBER_2019 = DATA / "vf_referentiel_avec_idcc_oct_2019.xlsx"


def run_import(path: Path, applicable_from: date | None = None, actor=None) -> NpecPublication:
    return npec_publication_import(path=path, actor=actor, applicable_from=applicable_from)


def entry(publication: NpecPublication, code: str, cpne: str, **extra) -> NpecEntry:
    by_code = {"rncp": code} if code.startswith("RNCP") else {"code_diplome": code}
    return publication.entries.select_related("cpne").get(cpne__code=cpne, **by_code, **extra)


def mappings(publication: NpecPublication) -> set[tuple[str, str]]:
    return set(publication.mappings.values_list("cpne__code", "idcc_code"))


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (NpecPublication, NpecEntry, CpneIdcc, Cpne, AuditEntry)}


def save_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one sheet per item, rows written from row 1 (None leaves a cell empty)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


# --- The five publications --------------------------------------------------------------------------
def test_july_2024_long_sheet_matrix_and_idcc_table():
    publication = run_import(JULY_2024)

    assert (publication.entry_count, publication.mapping_count, publication.report) == (205, 1, [])
    assert publication.entries.count() == 205
    assert publication.file_name == JULY_2024.name
    assert publication.title == "Niveaux de prise en charge applicables au 15 juillet 2024 par certification et par CPNE"
    long_row = entry(publication, "RNCP1002", "2")
    assert (long_row.amount, long_row.status, long_row.applicable_from) == (Decimal("9497.00"), "A", date(2024, 7, 15))
    assert (long_row.sheet, long_row.line, long_row.code_as_published) == ("Onglet 3 - référentiel NPEC", 5, "RNCP1002")
    assert (long_row.title, long_row.diploma_type) == ("Mise en oeuvre caoutchoucs élastomères thermoplastiques", "BP")
    # A pair only the matrix gives: no status, the date of the title « applicables au 15 juillet 2024 ».
    matrix_only = entry(publication, "RNCP1002", "4")
    assert (matrix_only.amount, matrix_only.status, matrix_only.applicable_from) == (Decimal("9497.00"), "", date(2024, 7, 15))
    assert (matrix_only.sheet, matrix_only.line) == ("Onglet 2 - global", 6)
    assert mappings(publication) == {("2", "0478")}
    assert Cpne.objects.count() == 205
    assert Cpne.objects.get(code="2").name == "CNPE des sociétés financières"
    audit_entry = AuditEntry.objects.get(action="npec_import")
    assert audit_entry.target_id == str(publication.pk)
    assert audit_entry.changes["entries"] == 205


def test_april_2024_long_sheet_wins_over_matrix_nc_and_combined_codes():
    publication = run_import(APRIL_2024, applicable_from=date(2023, 9, 8))

    assert (publication.entry_count, publication.mapping_count) == (641, 1)
    nc_row = entry(publication, "RNCP1002", "4")
    assert (nc_row.amount, nc_row.status, nc_row.applicable_from, nc_row.line) == (None, "A", date(2023, 10, 15), 6)
    # « RNCP31946/RNCP36989 »: the old fiche gets the value; RNCP36989 is also published on its own
    # line, which wins over the combined code.
    old_fiche = entry(publication, "RNCP31946", "2")
    assert (old_fiche.amount, old_fiche.code_as_published) == (Decimal("7750.00"), "RNCP31946/RNCP36989")
    new_fiche = entry(publication, "RNCP36989", "2")
    assert (new_fiche.amount, new_fiche.code_as_published, new_fiche.line) == (Decimal("8502.00"), "RNCP36989", 8)
    # « RNCP1006/RNCP37239 » in the matrix: one entry per code for each of the 213 CPNE.
    for code in ("RNCP1006", "RNCP37239"):
        renewed = publication.entries.filter(rncp=code)
        assert renewed.count() == 213
        assert set(renewed.values_list("code_as_published", "applicable_from")) == {("RNCP1006/RNCP37239", date(2023, 9, 8))}
        assert renewed.get(cpne__code="2").amount == Decimal("8500.00")
    assert publication.report == [
        {
            "sheet": "Onglet 2 - global",
            "line": 6,
            "reason": "RNCP1002 × CPNE 4 (publié « RNCP1002 ») : valeur 9497.00 différente de la valeur NC de "
            "« Onglet 3 - référentiel NPEC », ligne 6 : valeur ignorée",
        },
        {
            "sheet": "Onglet 3 - référentiel NPEC",
            "line": 7,
            "reason": "RNCP36989 × CPNE 2 (publié « RNCP31946/RNCP36989 ») : valeur 7750.00 remplacée par la valeur "
            "8502.00 de « Onglet 3 - référentiel NPEC », ligne 8 : valeur ignorée",
        },
    ]


def test_april_2024_title_with_two_dates_asks_for_the_date():
    before = table_counts()
    with pytest.raises(ValidationError) as refused:
        run_import(APRIL_2024)
    message = " ".join(refused.value.messages)
    assert "plusieurs dates (15/10/2023, 08/09/2023)" in message
    assert "--applicable-from" in message
    assert table_counts() == before


def test_february_2021_code_diplome_and_rncp_with_idcc():
    publication = run_import(FEBRUARY_2021, applicable_from=date(2021, 2, 11))

    assert (publication.entry_count, publication.mapping_count, publication.report) == (2, 2, [])
    row = entry(publication, "RNCP955", "2")
    assert (row.code_diplome, row.amount, row.status) == ("01022001", Decimal("6079.00"), "D")
    assert row.applicable_from == date(2021, 2, 11)
    assert row.code_as_published == "RNCP955"
    # « NA »: CPNE 1 covers no IDCC; it is known all the same.
    assert mappings(publication) == {("2", "0478"), ("4", "1801")}
    assert Cpne.objects.get(code="1").name == "CNEFP du diagnostic technique immobillier"


def test_february_2021_without_a_date_is_refused():
    with pytest.raises(ValidationError) as refused:
        run_import(FEBRUARY_2021)
    assert "précisez-la avec --applicable-from AAAA-MM-JJ" in refused.value.messages[0]
    assert NpecPublication.objects.count() == 0


def test_october_2019_code_formation_decimals_and_idcc_row_of_the_matrix():
    publication = run_import(OCTOBER_2019, applicable_from=date(2020, 1, 1))

    assert (publication.entry_count, publication.mapping_count, publication.report) == (687, 424, [])
    long_row = entry(publication, "01022001", "2")
    assert (long_row.rncp, long_row.amount, long_row.status) == ("", Decimal("6079.33"), "D")  # 6079.3333
    assert (long_row.sheet, long_row.line) == ("Onglet 3 - par formation-CPNE", 3)
    assert entry(publication, "01022103", "2").amount == Decimal("10207.50")
    assert not publication.entries.exclude(rncp="").exists()
    found = mappings(publication)
    assert ("2", "0478") in found
    # The matrix's « Code(s) IDCC » row lists several IDCC for one CPNE, zero-padded.
    assert {idcc for code, idcc in found if code == "9"} >= {"0627", "0749", "0771", "1049", "3212"}
    assert len({idcc for code, idcc in found if code == "9"}) == 20


def test_september_2019_cpne_names_are_matched_to_known_codes_or_reported():
    run_import(OCTOBER_2019, applicable_from=date(2020, 1, 1))
    publication = run_import(SEPTEMBER_2019, applicable_from=date(2020, 1, 1))

    assert (publication.entry_count, publication.mapping_count, len(publication.report)) == (600, 0, 34)
    # « CPNE DES SOCIÉTÉS D'ASSISTANCE » is CPNE 4 (« CPNE des sociétés d'assistance » in October 2019).
    matched = entry(publication, "01022001", "4")
    assert (matched.amount, matched.status, matched.sheet) == (Decimal("6079.33"), "D", "Onglet 3 - par formation-CPNE")
    assert publication.report[0] == {
        "sheet": "Onglet 2 - global",
        "line": 3,
        "reason": "colonne C : CPNE « Branche du Conseil d'architecture, d'urbanisme et de l'environnement (CAUE) » : "
        "aucun code CPNE connu pour cet intitulé : 3 valeur(s) ignorée(s)",
    }
    assert publication.report[-1] == {
        "sheet": "Onglet 3 - par formation-CPNE",
        "line": 3,
        "reason": "CPNE « CPNE des sociétés financières » : aucun code CPNE connu pour cet intitulé : ligne ignorée",
    }


def test_september_2019_alone_has_no_cpne_code_and_is_refused():
    with pytest.raises(ValidationError) as refused:
        run_import(SEPTEMBER_2019, applicable_from=date(2020, 1, 1))
    message = refused.value.messages[0]
    assert message.startswith("Aucune ligne NPEC ni aucun rattachement CPNE ↔ IDCC n'a pu être lu")
    assert "aucun code CPNE connu pour cet intitulé" in message
    assert NpecPublication.objects.count() == 0


# --- Versions ---------------------------------------------------------------------------------------
def test_the_same_file_twice_is_refused_and_changes_nothing():
    first = run_import(JULY_2024)
    before = table_counts()
    with pytest.raises(ValidationError) as refused:
        run_import(JULY_2024)
    message = refused.value.messages[0]
    assert message.startswith("Ce fichier a déjà été importé le ")
    assert f"« {JULY_2024.name} », publication n° {first.pk}" in message
    assert table_counts() == before


def test_two_publications_both_stay():
    april = run_import(APRIL_2024, applicable_from=date(2023, 9, 8))
    july = run_import(JULY_2024)

    assert NpecPublication.objects.count() == 2
    assert NpecEntry.objects.count() == 641 + 205
    assert CpneIdcc.objects.count() == 2
    assert entry(april, "RNCP1002", "2").applicable_from == date(2023, 10, 15)
    assert entry(july, "RNCP1002", "2").applicable_from == date(2024, 7, 15)


def test_lookup_reads_the_latest_applicable_entry_across_publications():
    july = run_import(JULY_2024)
    april = run_import(APRIL_2024, applicable_from=date(2023, 9, 8))

    assert lookup_npec(rncp="RNCP1002", cpne="2", on=date(2023, 10, 14)) is None
    found = lookup_npec(rncp="RNCP1002", idcc="478", on=date(2024, 1, 10))
    assert found.entry.publication == april
    assert found.amount == Decimal("9497.00")
    assert lookup_npec(rncp="RNCP1002", cpne="2", on=date(2024, 7, 15)).entry.publication == july
    assert lookup_npec(rncp="RNCP1002", cpne="4", on=date(2024, 1, 10)).amount is None  # NC
    assert lookup_npec(rncp="RNCP36989", cpne="2", on=date(2024, 1, 10)).amount == Decimal("8502.00")


# --- Layouts that move --------------------------------------------------------------------------------
def read_july_2024() -> dict[str, list[tuple]]:
    """The rows of the July 2024 publication, sheet by sheet (header and data only)."""
    workbook = openpyxl.load_workbook(JULY_2024, read_only=True, data_only=True)
    try:
        return {
            sheet.title: [row for row in sheet.iter_rows(max_row=10, values_only=True) if any(v is not None for v in row)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def moved_july_2024(path: Path) -> Path:
    """The July 2024 publication with other sheet names, more title rows, other header wordings and
    columns in another order; the IDCC table in the other orientation."""
    original = read_july_2024()
    _, matrix_header, matrix_names, matrix_row = original["Onglet 2 - global"]
    cpne_count = len(matrix_header) - 4
    _, _, long_row = original["Onglet 3 - référentiel NPEC"]
    (code, title, _certifier, diploma, cpne_code, cpne_name, amount, status, applicable) = long_row
    _, _, (mapping_cpne, mapping_name, mapping_idcc) = original["Onglet 4 - CPNE-IDCC"]
    titles = [
        ["France compétences"],
        [],
        ["Niveaux de prise en charge applicables au 15 juillet 2024"],
        [None, "(version de test)"],
    ]
    long_header = [
        "NPEC final", "Statut", "CPNE", "Code CPNE", "Libellé du Diplôme", "RNCP", "Date d'applicabilité",
        "Libellé de la formation",
    ]  # fmt: skip
    return save_workbook(
        path,
        {
            "Notes": [["Ce classeur déplace tout."]],
            "Niveaux": titles + [long_header] + [[amount, status, cpne_name, str(cpne_code), diploma, code, applicable, title]],
            "Tableau croisé": titles
            + [["Libellé du Diplôme", "RNCP", "Intitulé de la certification", *matrix_header[4:]]]
            + [[None, None, None, *matrix_names[4:]]]
            + [[matrix_row[3], matrix_row[0], matrix_row[1], *matrix_row[4 : 4 + cpne_count]]],
            "Branches": [["CPNE de rattachement de chaque IDCC"], [], ["IDCC", "CPNE", "Code CPNE"]]
            + [[mapping_idcc, mapping_name, mapping_cpne]],
        },
    )


def entry_values(publication: NpecPublication) -> set[tuple]:
    return set(
        publication.entries.values_list(
            "rncp",
            "code_diplome",
            "cpne__code",
            "amount",
            "status",
            "applicable_from",
            "title",
            "diploma_type",
            "code_as_published",
        )
    )


def test_moved_titles_header_wordings_and_column_order_give_the_same_values(tmp_path):
    original = run_import(JULY_2024)
    moved = run_import(moved_july_2024(tmp_path / "deplace.xlsx"))

    assert (moved.entry_count, moved.mapping_count, moved.report) == (205, 1, [])
    assert entry_values(moved) == entry_values(original)
    assert mappings(moved) == mappings(original)
    assert (entry(moved, "RNCP1002", "2").sheet, entry(moved, "RNCP1002", "2").line) == ("Niveaux", 6)


def long_sheet(*rows: list) -> list[list]:
    header = [
        "Code RNCP", "Libellé de la formation", "Type de diplôme", "Code CPNE", "CPNE", "NPEC final", "Statut",
        "Date d'applicabilité",
    ]  # fmt: skip
    return [["Niveaux de prise en charge de test"], header, *rows]


def test_bad_rows_are_reported_with_sheet_line_and_reason(tmp_path):
    applicable = date(2025, 1, 1)
    path = save_workbook(
        tmp_path / "lignes.xlsx",
        {
            "Référentiel": long_sheet(
                ["RNCP100", "Bonne ligne", "BTS", 2, "CPNE deux", 8000, "CPNE", applicable],
                [None, "Sans code", "BTS", 2, "CPNE deux", 8000, "CPNE", applicable],
                ["RNCP101", "Montant illisible", "BTS", 2, "CPNE deux", "beaucoup", "CPNE", applicable],
                ["RNCP102", "CPNE inconnue", "BTS", None, "CPNE imaginaire", 8000, "CPNE", applicable],
                ["RNCP103", "Date illisible", "BTS", 2, "CPNE deux", 8000, "CPNE", "bientôt"],
                ["RNCP104", "Négatif", "BTS", 2, "CPNE deux", -5, "CPNE", applicable],
                ["ABC", "Code illisible", "BTS", 2, "CPNE deux", 8000, "CPNE", applicable],
                ["RNCP105", "Non communiqué", "BTS", 2, "CPNE deux", "NC", "A", applicable],
                ["RNCP200/RNCP201", "Fiche renouvelée", "TITRE", 2, "CPNE deux", "7 000,50", "R", "15/01/2025"],
            ),
            "IDCC": [["Code CPNE", "CPNE", "IDCC"], [2, "CPNE deux", "478, 1801"], [2, "CPNE deux", "12345"]],
        },
    )
    publication = run_import(path)

    assert [(issue["sheet"], issue["line"], issue["reason"]) for issue in publication.report] == [
        ("Référentiel", 4, "code de la certification (RNCP ou code formation) manquant : ligne ignorée"),
        ("Référentiel", 5, "montant « beaucoup » illisible : ligne ignorée"),
        ("Référentiel", 6, "CPNE « CPNE imaginaire » : aucun code CPNE connu pour cet intitulé : ligne ignorée"),
        ("Référentiel", 7, "date d'applicabilité « bientôt » illisible : ligne ignorée"),
        ("Référentiel", 8, "montant « -5 » hors des valeurs possibles : ligne ignorée"),
        ("Référentiel", 9, "code RNCP « ABC » illisible : ligne ignorée"),
        ("IDCC", 3, "IDCC « 12345 » illisible (codes de 4 chiffres au plus attendus) : ligne ignorée"),
    ]
    assert (publication.entry_count, publication.mapping_count) == (4, 2)
    assert entry(publication, "RNCP105", "2").amount is None
    for code in ("RNCP200", "RNCP201"):
        renewed = entry(publication, code, "2")
        assert (renewed.amount, renewed.applicable_from, renewed.code_as_published) == (
            Decimal("7000.50"),
            date(2025, 1, 15),
            "RNCP200/RNCP201",
        )
    assert mappings(publication) == {("2", "0478"), ("2", "1801")}


# --- Files that are refused ---------------------------------------------------------------------------
def test_a_file_that_is_not_an_xlsx_is_refused(tmp_path):
    text_file = tmp_path / "referentiel.xlsx"
    text_file.write_text("Code RNCP;NPEC final\nRNCP1002;9497\n", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        run_import(text_file)
    assert refused.value.messages == ["Le fichier « referentiel.xlsx » n'est pas un classeur Excel .xlsx valide : import refusé."]

    other_zip = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("lisez-moi.txt", "rien")
    with pytest.raises(ValidationError, match="n'est pas un classeur Excel .xlsx valide"):
        run_import(other_zip)

    broken = tmp_path / "casse.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
    with pytest.raises(ValidationError, match="n'est pas un classeur Excel .xlsx lisible"):
        run_import(broken)
    assert NpecPublication.objects.count() == 0


def test_an_oversized_file_is_refused(monkeypatch):
    monkeypatch.setattr(npec_import, "MAX_FILE_BYTES", 512 * 1024)
    with pytest.raises(ValidationError) as refused:
        run_import(JULY_2024)
    assert refused.value.messages == [f"Le fichier « {JULY_2024.name} » pèse 0,7 Mo : au-delà de 0,5 Mo, il n'est pas importé."]


def test_a_file_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(npec_import, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(ValidationError, match="se décompresse en un volume anormal : import refusé."):
        run_import(JULY_2024)


def test_xml_entities_in_a_sheet_are_refused(tmp_path):
    """A « billion laughs » sheet: defusedxml refuses entity declarations."""
    plain = save_workbook(tmp_path / "plain.xlsx", {"Référentiel": long_sheet(["RNCP100", "Ligne", "BTS", 2, "CPNE deux", 8000])})
    hostile = tmp_path / "entites.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                declaration = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                data = declaration + data.replace(b"<is><t>Ligne</t></is>", b"<is><t>&b;</t></is>")
            target.writestr(item, data)
    with pytest.raises(ValidationError, match="n'est pas un classeur Excel .xlsx lisible : import refusé."):
        run_import(hostile)


def test_a_sheet_with_too_many_rows_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(npec_import, "MAX_ROWS_PER_SHEET", 5)
    rows = [["RNCP100", "Ligne", "BTS", 2, "CPNE deux", 8000, "CPNE", date(2025, 1, 1)]] * 4
    with pytest.raises(ValidationError, match="L'onglet « Référentiel » compte plus de 5 lignes remplies : import refusé."):
        run_import(save_workbook(tmp_path / "long.xlsx", {"Référentiel": long_sheet(*rows)}))


def test_a_workbook_without_any_npec_sheet_is_refused(tmp_path):
    path = save_workbook(tmp_path / "autre.xlsx", {"Budget": [["Poste", "Montant"], ["Loyer", 1200]]})
    with pytest.raises(ValidationError, match="Aucun onglet de « autre.xlsx » ne ressemble au référentiel NPEC"):
        run_import(path)


# --- The command ----------------------------------------------------------------------------------------
def test_command_prints_a_french_summary(make_user):
    user = make_user(kind="staff", email="gestion@opco.test")
    out = io.StringIO()
    call_command("import_npec", str(APRIL_2024), "--applicable-from", "2023-09-08", "--by", "Gestion@opco.test", stdout=out)

    publication = NpecPublication.objects.get()
    assert publication.imported_by == user
    assert AuditEntry.objects.get(action="npec_import").actor == user
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Référentiel NPEC « {APRIL_2024.name} » importé (publication n° {publication.pk})."
    assert lines[1:5] == [
        "  641 ligne(s) NPEC pour 213 CPNE",
        "  dates d'applicabilité : 08/09/2023 au 15/10/2023",
        "  1 rattachement(s) CPNE ↔ IDCC",
        "  2 ligne(s) signalée(s)",
    ]
    assert lines[5].startswith("    Onglet 2 - global, ligne 6 : RNCP1002 × CPNE 4")
    assert lines[6].startswith("    Onglet 3 - référentiel NPEC, ligne 7 : RNCP36989 × CPNE 2")


def test_command_refusal_is_a_french_command_error():
    call_command("import_npec", str(JULY_2024), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Ce fichier a déjà été importé le ") as refused:
        call_command("import_npec", str(JULY_2024), stdout=io.StringIO())
    assert refused.value.returncode == 1
    with pytest.raises(CommandError, match="Date « 15/07/2024 » illisible : format attendu AAAA-MM-JJ."):
        call_command("import_npec", str(APRIL_2024), "--applicable-from", "15/07/2024")
    with pytest.raises(CommandError, match="Aucun utilisateur n'a l'adresse « personne@opco.test »."):
        call_command("import_npec", str(APRIL_2024), "--by", "personne@opco.test")


def test_command_exits_non_zero_on_refusal(tmp_path):
    not_a_workbook = tmp_path / "faux.xlsx"
    not_a_workbook.write_text("pas un classeur", encoding="utf-8")
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "opco.settings_test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_npec", str(not_a_workbook)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Le fichier « faux.xlsx » n'est pas un classeur Excel .xlsx valide : import refusé." in result.stderr
