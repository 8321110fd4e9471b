from django.db import migrations


def load(apps, schema_editor):
    from shuniu.divisions.loading import load_national

    load_national(apps.get_model("divisions", "Division"))


class Migration(migrations.Migration):
    dependencies = [("divisions", "0005_national_columns")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
