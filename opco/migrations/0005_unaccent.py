"""PostgreSQL's unaccent extension for the accent-insensitive search (opco.search); a no-op on SQLite,
where opco.search registers a function of the same name on each connection."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("opco", "0004_transition_log")]

    operations = [UnaccentExtension()]
