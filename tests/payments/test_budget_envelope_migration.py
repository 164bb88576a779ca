"""Migration 0004 turns the section dotations into envelopes in place: every dotation, every movement
of the ledger and every audit entry survives with its id, the rows become envelopes of kind
« section », and the ledger is still append-only afterwards on either engine (SQLite rebuilds the
ledger's table while repointing its foreign key, which drops triggers: 0004 installs it again)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from opco.models import AuditEntry
from payments.models import BudgetMovement, Envelope, EnvelopeKind, SectionBudget

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("payments", "0003_section_budgets")


def test_the_dotations_and_their_ledger_become_section_envelopes_and_stay_append_only(make_user):
    finance = make_user(kind="staff", groups=["finance"])
    # Through the command, as a deployment runs it: its signals rename the content type with the model.
    call_command("migrate", *BEFORE, verbosity=0)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        old_budget = old.get_model("payments", "SectionBudget")
        old_movement = old.get_model("payments", "BudgetMovement")
        # A database still at 0003 never had the envelope's content type (this one came with the test
        # database, built at the latest migration). Deleted through the models of that state: today's
        # models would look for rows pointing at it in tables 0003 does not have (payments' funding lines).
        old.get_model("contenttypes", "ContentType").objects.filter(app_label="payments", model="envelope").delete()
        ContentType.objects.clear_cache()
        content_type = old.get_model("contenttypes", "ContentType").objects.get(app_label="payments", model="sectionbudget")
        dotation = old_budget.objects.create(year=2026, section="alternance", amount=Decimal("1000.00"), source="Notifiée")
        empty = old_budget.objects.create(year=2027, section="reconversion", amount=None)
        movement = old_movement.objects.create(
            budget=dotation,
            month=date(2026, 3, 1),
            amount=Decimal("250.50"),
            source_type=content_type,
            source_id=dotation.pk,
            reference="AP-2026-0001",
            overrun=False,
        )
        entry = AuditEntry.objects.create(
            actor=finance, action="payments.budget.set", target_type_id=content_type.pk, target_id=str(dotation.pk)
        )
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()

    assert list(Envelope.objects.order_by("id").values_list("id", "kind", "year", "section", "amount", "source")) == [
        (dotation.pk, EnvelopeKind.SECTION, 2026, "alternance", Decimal("1000.00"), "Notifiée"),
        (empty.pk, EnvelopeKind.SECTION, 2027, "reconversion", None, ""),
    ]
    assert SectionBudget.objects.count() == 2
    assert list(BudgetMovement.objects.values_list("id", "budget_id", "amount")) == [
        (movement.pk, dotation.pk, Decimal("250.50"))
    ]
    # The audit entries of a dotation are those of its envelope (the content type was renamed).
    entry.refresh_from_db()
    assert (entry.target_type.model_class(), entry.target_id) == (Envelope, str(dotation.pk))
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        BudgetMovement.objects.filter(pk=movement.pk).update(amount=Decimal("1.00"))
    assert BudgetMovement.objects.get().amount == Decimal("250.50")
