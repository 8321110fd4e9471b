from django.db import migrations


def load(apps, schema_editor):
    from shuniu.divisions.loading import load_population

    load_population(
        apps.get_model("divisions", "Population"), apps.get_model("divisions", "Division")
    )


class Migration(migrations.Migration):
    dependencies = [("divisions", "0003_population")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
