"""The valeurs d'amorçage of the arrêté of 31 August 2022 (D6332-80), by level."""

from datetime import date
from decimal import Decimal

from django.db import migrations

VALUES = {3: "5470", 4: "5621", 5: "6000", 6: "6000", 7: "7000", 8: "7000"}


def create(apps, schema_editor):
    AmorcageValue = apps.get_model("branches", "AmorcageValue")
    for level, amount in VALUES.items():
        AmorcageValue.objects.get_or_create(level=level, valid_from=date(2022, 9, 1), defaults={"amount": Decimal(amount)})


class Migration(migrations.Migration):
    dependencies = [("branches", "0002_npec_referential")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
