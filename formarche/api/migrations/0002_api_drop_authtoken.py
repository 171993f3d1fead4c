"""ADR 0022: DRF's authtoken is no longer installed; its table held the old keys in clear.

The table is dropped (the old keys stop working anyway: formarche.api.authentication refuses them
with a French message telling to create a new token), and authtoken's migration records are
removed so that re-installing the app would create its table again.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_tokens")]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
