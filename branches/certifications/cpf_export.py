"""The holders' file for the CPF information system (L6113-8, R6113-17-1): the one place a NIR leaves
the back-office. Columns are documented in docs/certifications-cpf-export.md; one row per holder
(certified, or partial with the blocs passed), semicolon-separated UTF-8.
"""

from branches.certifications.enums import CandidateResult

COLUMNS = [
    ("nir", "NIR du titulaire (15 caractères) — R6113-17-1 1°"),
    ("nom_naissance", "Nom de naissance"),
    ("prenom", "Prénom"),
    ("date_naissance", "Date de naissance (AAAA-MM-JJ)"),
    ("sexe", "F ou M"),
    ("code_certification", "Code de la fiche RNCP ou RS — R6113-17-1 2°"),
    ("intitule_certification", "Intitulé de la certification"),
    ("resultat", "TOTALE (certification obtenue) ou PARTIELLE (blocs)"),
    ("blocs_obtenus", "Codes des blocs validés, séparés par « | »"),
    ("date_obtention", "Date du jury (AAAA-MM-JJ)"),
    ("siret_organisme", "SIRET de l'organisme habilité qui a évalué, vide si le certificateur"),
    ("session", "Libellé de la session"),
]


def holder_rows(project):
    """Rows of the CPF file for `project`'s holders (NIR included: this file only)."""
    from branches.certifications.models import Candidate

    holders = (
        Candidate.objects.filter(session__project=project, result__in=(CandidateResult.CERTIFIED, CandidateResult.PARTIAL))
        .select_related("session__habilitation")
        .prefetch_related("blocs_passed")
        .order_by("session__jury_on", "last_name", "first_name", "id")
    )
    for holder in holders:
        yield [
            holder.nir,
            holder.last_name,
            holder.first_name,
            holder.birth_date.isoformat(),
            holder.sex,
            project.rncp_code,
            project.title,
            "TOTALE" if holder.result == CandidateResult.CERTIFIED else "PARTIELLE",
            "|".join(sorted(bloc.code for bloc in holder.blocs_passed.all())),
            holder.certified_on.isoformat() if holder.certified_on else "",
            holder.session.habilitation.siret if holder.session.habilitation else "",
            holder.session.label,
        ]
