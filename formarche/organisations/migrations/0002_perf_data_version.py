from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("organisation_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "version des données", "verbose_name_plural": "versions des données"},
        ),
    ]
