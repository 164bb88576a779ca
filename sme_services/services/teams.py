"""Advisor teams on a screen (not only the Django admin): a manager creates a team, names its manager
(« responsable », who gets the 21-day reminders and the quarterly report) and its advisors. Every
change is audited with its before and after; a refusal saves nothing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import roles
from accounts.enums import UserKind
from opco import audit
from sme_services.models import AdvisorTeam

MANAGERS = (roles.RESPONSABLE, roles.ADMINISTRATEUR)


def may_manage_teams(user) -> bool:
    return any(role(user) for role in MANAGERS)


def _snapshot(team: AdvisorTeam) -> dict:
    if team.pk is None:
        return {"name": None, "manager": None, "members": []}
    return {
        "name": team.name,
        "manager": str(team.manager) if team.manager_id else None,
        "members": sorted(str(m) for m in team.members.all()),
    }


def team_save(*, actor, name: str, manager, members, team: AdvisorTeam | None = None) -> AdvisorTeam:
    """Create (`team` None) or change a team. The manager is a « responsable » of the OPCO's staff; the
    members are advisors (« conseillers de proximité »), each in at most one team — the reminders and
    reports go to one manager."""
    if not may_manage_teams(actor):
        raise PermissionDenied("Seuls les responsables et les administrateurs gèrent les équipes de conseillers.")
    name = (name or "").strip()
    members = list(members or [])
    errors = {}
    if not name:
        errors["name"] = "Indiquez le nom de l'équipe."
    if manager is None or not (manager.is_active and roles.RESPONSABLE(manager)):
        errors["manager"] = "Le responsable d'une équipe est un responsable actif de l'OPCO."
    if any(m.kind != UserKind.ADVISOR for m in members):
        errors["members"] = "Une équipe ne compte que des conseillers de proximité."
    with transaction.atomic():
        team = AdvisorTeam() if team is None else AdvisorTeam.objects.select_for_update().get(pk=team.pk)
        if name and AdvisorTeam.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            errors["name"] = f"Une équipe s'appelle déjà « {name} »."
        by_id = {m.pk: m for m in members}
        elsewhere = AdvisorTeam.objects.filter(members__in=list(by_id)).exclude(pk=team.pk).values_list("members", "name")
        taken = {f"{by_id[pk]} ({team_name})" for pk, team_name in elsewhere if pk in by_id}
        if taken and "members" not in errors:
            errors["members"] = "Déjà dans une autre équipe : " + ", ".join(sorted(taken)) + "."
        if errors:
            raise ValidationError(errors)
        created = team.pk is None
        before = _snapshot(team)
        team.name, team.manager = name, manager
        team.full_clean()
        team.save()
        team.members.set(members)
        after = _snapshot(team)
        audit.record(
            actor=actor,
            action="advisor_team_create" if created else "advisor_team_change",
            target=team,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
            summary=f"Équipe « {team.name} » {'créée' if created else 'modifiée'} : responsable {manager}, "
            f"{len(members)} conseiller(s)",
        )
    return team
