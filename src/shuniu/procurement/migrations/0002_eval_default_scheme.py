"""The default evaluation scheme (code ``default-2012``), as data: see docs/data-model.md."""

from decimal import Decimal

from django.db import migrations

CODE = "default-2012"

# (code, parent, name, English name, maximum, is output)
INDICATORS = [
    ("completion", None, "项目完成情况", "Completion", "10", False),
    ("outputs", None, "服务产出", "Outputs", "30", True),
    ("outcomes", None, "服务成效", "Outcomes", "20", False),
    ("satisfaction", None, "服务对象满意度", "Satisfaction", "15", False),
    ("management", None, "项目管理", "Management", "15", False),
    ("management-process", "management", "服务流程与档案", "Process and records", "8", False),
    ("management-staff", "management", "人员配备与督导", "Staffing and supervision", "7", False),
    ("finance", None, "财务管理", "Finance", "10", False),
]
# actual/planned from → fraction of the maximum
BANDS = [("1", "1"), ("0.8", "0.6667"), ("0.6", "0.3333"), ("0", "0")]


def create(apps, schema_editor):
    scheme_model = apps.get_model("procurement", "EvaluationScheme")
    indicator_model = apps.get_model("procurement", "Indicator")
    band_model = apps.get_model("procurement", "OutputBand")
    if scheme_model.objects.filter(code=CODE).exists():
        return
    scheme = scheme_model.objects.create(
        code=CODE,
        name="社会工作服务项目评估指标（通用）",
        name_en="Evaluation indicators for social-work service projects (general)",
        excellent_from=Decimal(90),
        good_from=Decimal(80),
        pass_from=Decimal(60),
    )
    made = {}
    for position, (code, parent, name, name_en, maximum, is_output) in enumerate(
        INDICATORS, start=1
    ):
        made[code] = indicator_model.objects.create(
            scheme=scheme,
            parent=made[parent] if parent else None,
            code=code,
            name=name,
            name_en=name_en,
            position=position,
            weight=Decimal(1),
            max_score=Decimal(maximum),
            is_output=is_output,
        )
    band_model.objects.bulk_create(
        band_model(scheme=scheme, from_ratio=Decimal(r), fraction=Decimal(f)) for r, f in BANDS
    )


def remove(apps, schema_editor):
    apps.get_model("procurement", "EvaluationScheme").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
