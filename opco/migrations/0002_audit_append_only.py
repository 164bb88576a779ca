"""The audit trail is append-only, enforced by the database itself: no UPDATE on either engine, and
no row DELETE on PostgreSQL. (On SQLite, test-database flushes delete rows one by one, so only UPDATE
is refused there; PostgreSQL flushes with TRUNCATE, which row triggers do not see.)"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION opco_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal d''audit est en ajout seul : % refusé', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER opco_auditentry_append_only
    BEFORE UPDATE OR DELETE ON opco_auditentry
    FOR EACH ROW EXECUTE FUNCTION opco_audit_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS opco_auditentry_append_only ON opco_auditentry;
DROP FUNCTION IF EXISTS opco_audit_append_only();
"""
SQLITE_CREATE = """
CREATE TRIGGER opco_auditentry_no_update BEFORE UPDATE ON opco_auditentry
BEGIN SELECT RAISE(ABORT, 'Le journal d''audit est en ajout seul : UPDATE refusé'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS opco_auditentry_no_update;"


def _run(apps, schema_editor, statements: dict[str, str]) -> None:
    sql = statements.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def create(apps, schema_editor):
    _run(apps, schema_editor, {"postgresql": PG_CREATE, "sqlite": SQLITE_CREATE})


def drop(apps, schema_editor):
    _run(apps, schema_editor, {"postgresql": PG_DROP, "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [("opco", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
