"""Section dotations become envelopes: the yearly dotation of a section, a branch's envelope for a
quarter, a convention's envelope for a year.

The model is renamed in place (SectionBudget → Envelope) rather than copied into a new table: the
ledger's rows point at the dotations by id, and the ledger is append-only (0003), so repointing them
would be the very UPDATE its trigger refuses. Renaming keeps every id, every movement and every audit
entry (the content type is renamed with the model). The existing rows become kind « section ».

On SQLite, Django rebuilds the ledger's table to repoint its foreign key at the renamed table, which
drops the table's triggers: the append-only trigger is installed again at the end (on PostgreSQL it
is dropped and created again, unchanged)."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

ledger_trigger = import_module("payments.migrations.0003_section_budgets")


def append_only_again(apps, schema_editor):
    ledger_trigger.drop_append_only(apps, schema_editor)
    ledger_trigger.append_only(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0005_branchfundingdecision'),
        ('payments', '0003_section_budgets'),
    ]

    operations = [
        # Backwards, the same rebuild happens last: this first operation installs the trigger again then.
        migrations.RunPython(migrations.RunPython.noop, append_only_again),
        migrations.RemoveConstraint(model_name='sectionbudget', name='section_budget_one_per_year'),
        migrations.RemoveConstraint(model_name='sectionbudget', name='section_budget_amount_not_negative'),
        migrations.RemoveConstraint(model_name='sectionbudget', name='section_budget_year_range'),
        migrations.RenameModel(old_name='SectionBudget', new_name='Envelope'),
        migrations.AlterModelOptions(
            name='envelope',
            options={'ordering': ['-year', 'kind', 'section', 'quarter', 'id'], 'verbose_name': 'enveloppe', 'verbose_name_plural': 'enveloppes'},
        ),
        migrations.AddField(
            model_name='envelope',
            name='kind',
            field=models.CharField(choices=[('section', 'Dotation de section financière'), ('branche', 'Enveloppe trimestrielle de branche'), ('convention', 'Enveloppe de convention')], default='section', max_length=16, verbose_name="type d'enveloppe"),
        ),
        migrations.AddField(
            model_name='envelope',
            name='quarter',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'T1'), (2, 'T2'), (3, 'T3'), (4, 'T4')], help_text='Enveloppes de branche.', null=True, verbose_name='trimestre'),
        ),
        migrations.AddField(
            model_name='envelope',
            name='branch',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='branches.branch', verbose_name='branche'),
        ),
        migrations.AddField(
            model_name='envelope',
            name='scope_key',
            field=models.CharField(blank=True, help_text='Enveloppes de convention, par exemple « convention:42 ».', max_length=64, verbose_name='clé de la convention'),
        ),
        migrations.AddField(
            model_name='envelope',
            name='label',
            field=models.CharField(blank=True, help_text='Enveloppes de convention.', max_length=255, verbose_name='intitulé'),
        ),
        migrations.AlterField(
            model_name='envelope',
            name='section',
            field=models.CharField(blank=True, choices=[('alternance', 'Alternance'), ('plan_moins_50', 'Plan de développement des compétences < 50'), ('reconversion', 'Reconversion')], max_length=32, verbose_name='section financière'),
        ),
        migrations.AlterField(
            model_name='envelope',
            name='amount',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='Vide : non saisi.', max_digits=14, null=True, verbose_name='montant'),
        ),
        migrations.AlterField(
            model_name='envelope',
            name='source',
            field=models.CharField(blank=True, help_text='Par exemple « Dotation France compétences notifiée le … ».', max_length=255, verbose_name='origine du montant'),
        ),
        migrations.AlterField(
            model_name='budgetmovement',
            name='budget',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='payments.envelope', verbose_name='enveloppe'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'section')), fields=('section', 'year'), name='envelope_section_one_per_year', violation_error_message='Cette section a déjà une dotation pour cette année.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'branche')), fields=('branch', 'section', 'year', 'quarter'), name='envelope_branch_one_per_quarter', violation_error_message='Cette branche a déjà une enveloppe pour cette section et ce trimestre.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'convention')), fields=('scope_key', 'year'), name='envelope_convention_one_per_year', violation_error_message='Cette convention a déjà une enveloppe pour cette année.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['section', 'branche', 'convention'])), name='envelope_kind_known', violation_error_message="Type d'enveloppe inconnu."),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'section'), _negated=True), models.Q(models.Q(('section', ''), _negated=True), ('branch__isnull', True), ('quarter__isnull', True), ('scope_key', '')), _connector='OR'), name='envelope_section_shape', violation_error_message='Une dotation de section porte une section et une année, sans branche, trimestre ni clé de convention.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'branche'), _negated=True), models.Q(models.Q(('section', ''), _negated=True), ('branch__isnull', False), ('quarter__gte', 1), ('quarter__isnull', False), ('quarter__lte', 4), ('scope_key', '')), _connector='OR'), name='envelope_branch_shape', violation_error_message='Une enveloppe de branche porte une branche, une section, une année et un trimestre de 1 à 4, sans clé de convention.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'convention'), _negated=True), models.Q(models.Q(('scope_key', ''), _negated=True), ('branch__isnull', True), ('quarter__isnull', True), ('section', '')), _connector='OR'), name='envelope_convention_shape', violation_error_message='Une enveloppe de convention porte une clé de convention et une année, sans section, branche ni trimestre.'),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(('amount__isnull', True), ('amount__gte', 0), _connector='OR'), name='envelope_amount_not_negative', violation_error_message="Le montant d'une enveloppe ne peut pas être négatif."),
        ),
        migrations.AddConstraint(
            model_name='envelope',
            constraint=models.CheckConstraint(condition=models.Q(('year__gte', 2019), ('year__lte', 2100)), name='envelope_year_range', violation_error_message='Année hors de la plage acceptée.'),
        ),
        migrations.CreateModel(
            name='SectionBudget',
            fields=[],
            options={
                'verbose_name': 'dotation de section financière',
                'verbose_name_plural': 'dotations des sections financières',
                'ordering': ['-year', 'section'],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('payments.envelope',),
        ),
        migrations.RunPython(append_only_again, migrations.RunPython.noop),
    ]
