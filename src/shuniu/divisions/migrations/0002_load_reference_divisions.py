from django.db import migrations


def load(apps, schema_editor):
    from shuniu.divisions.loading import load_divisions

    load_divisions(apps.get_model("divisions", "Division"))


class Migration(migrations.Migration):
    dependencies = [("divisions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
