"""The organization import: its columns, how its cells are read, its template help."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core.actors import Actor
from shuniu.divisions.models import Division
from shuniu.interop import values
from shuniu.interop.columns import Column, HeaderMap, Problem
from shuniu.interop.contract import Change, HelpSection, ImportReport, Progress
from shuniu.interop.help import choice_sections, divisions_section
from shuniu.interop.tables import Table
from shuniu.registry.bulk import UPDATE, OrganizationRow, RowError, organizations_import
from shuniu.registry.models import AssociationLevel, Formation, Kind, LegalForm, ServiceField

# Chinese names people write for each coded value; the first is what the template offers.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    Kind.AGENCY: (
        "社工事务所",
        "社会工作服务机构",
        "社会工作事务所",
        "社工机构",
        "社工服务社",
        "社会工作服务社",
        "社会工作服务中心",
    ),
    Kind.ASSOCIATION: (
        "社工协会",
        "协会",
        "社会工作者协会",
        "社会工作协会",
        "联合会",
        "社会工作者联合会",
        "枢纽型社会组织",
    ),
    Kind.TRAINING: ("培训机构", "社工培训机构"),
    Kind.EVALUATION: ("评估机构", "第三方评估机构"),
    Kind.UNIVERSITY: ("高校", "大学", "高等院校"),
    Kind.GOVERNMENT: ("政府部门", "政府单位", "政府"),
    Kind.OTHER: ("其他",),
}
ASSOCIATION_LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    AssociationLevel.CITY: ("市级", "市"),
    AssociationLevel.DISTRICT: ("区级", "区县级", "区"),
    AssociationLevel.STREET: ("街道级", "街道"),
}
LEGAL_FORM_NAMES: dict[str, tuple[str, ...]] = {
    LegalForm.SOCIAL_GROUP: ("社会团体", "社团"),
    LegalForm.SOCIAL_SERVICE: ("社会服务机构", "民办非企业单位", "民非"),
    LegalForm.FOUNDATION: ("基金会",),
    LegalForm.PUBLIC_INSTITUTION: ("事业单位",),
    LegalForm.GOVERNMENT: ("机关", "国家机关", "政府机关"),
}
FORMATION_NAMES: dict[str, tuple[str, ...]] = {
    Formation.TRANSFORMATION: ("整合改造",),
    Formation.UNIVERSITY_LOCAL: ("校地合作",),
    Formation.ASSOCIATION_LED: ("以会带所",),
    Formation.INDEPENDENT: ("民间自办", "独立创办", "自办"),
}


def choice_sets() -> dict[str, values.Choices]:
    return {
        "kind": values.Choices(Kind.choices, KIND_NAMES),
        "association_level": values.Choices(AssociationLevel.choices, ASSOCIATION_LEVEL_NAMES),
        "legal_form": values.Choices(LegalForm.choices, LEGAL_FORM_NAMES),
        "formation": values.Choices(Formation.choices, FORMATION_NAMES),
    }


def _displays(key: str) -> list[str]:
    return choice_sets()[key].displays()


def division_display(division: Division, parent: Division | None) -> str:
    """The name that designates a division in the template: with its city (北京市东城区)."""
    return (parent.name if parent is not None else "") + division.name


def divisions_today() -> list[tuple[Division, str]]:
    """The divisions a template lists: the three curated cities' of today (a file may give
    any other division by its code; listing 3,000 national names would drown them)."""
    divisions = list(
        Division.objects.valid_on(timezone.localdate())
        .filter(curated=True)
        .select_related("parent")
    )
    return [(d, division_display(d, d.parent)) for d in sorted(divisions, key=lambda d: d.code)]


_DATE_HELP = gettext_lazy(
    "YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日; YYYY-MM when only the month is known."
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        help=gettext_lazy("18 characters (GB 32100-2015); blank if the organization has none."),
    ),
    Column("name", "名称", required=True, help=gettext_lazy("The registered name.")),
    Column("name_en", "英文名称", help=gettext_lazy("The English name, if any.")),
    Column(
        "kind",
        "类型",
        required=True,
        help=gettext_lazy("See the help sheet: Chinese name, English label or code."),
        choices=lambda: _displays("kind"),
    ),
    Column(
        "association_level",
        "协会层级",
        help=gettext_lazy("Associations only: city, district or street level."),
        choices=lambda: _displays("association_level"),
    ),
    Column(
        "legal_form",
        "登记类型",
        help=gettext_lazy("The form the organization is registered in; see the help sheet."),
        choices=lambda: _displays("legal_form"),
    ),
    Column(
        "registrar_division",
        "登记管理机关区划",
        required=True,
        help=gettext_lazy(
            "The division of the registering authority: its six-digit code or its name "
            "(东城区 or 北京市东城区)."
        ),
        choices=lambda: [name for _d, name in divisions_today()],
    ),
    Column("founded_on", "成立日期", help=_DATE_HELP),
    Column("registered_on", "登记日期", help=_DATE_HELP),
    Column(
        "formation",
        "组建方式",
        help=gettext_lazy("How the organization came into being; see the help sheet."),
        choices=lambda: _displays("formation"),
    ),
    Column(
        "hub",
        "所属枢纽组织",
        help=gettext_lazy(
            "Credit code or exact name of the leading hub association: a stored "
            "organization or another row of this file."
        ),
    ),
    Column(
        "service_fields",
        "服务领域",
        help=gettext_lazy("Codes or names from the help sheet, separated by ; ， 、 , or |."),
    ),
    Column("address", "地址", help=gettext_lazy("The registered address.")),
    Column(
        "source",
        "来源",
        help=gettext_lazy("Where the information comes from (document, report, web page)."),
    ),
)

_TEXT_KEYS = ("name", "name_en", "registrar_division", "hub", "address", "source")
# Excel keeps 15 significant digits: a longer number typed into a cell has lost some.
_EXCEL_DIGITS = 15


def _uscc(value: Any) -> str:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and abs(value) >= 10**_EXCEL_DIGITS:
        raise values.CellError(
            _(
                "Excel stored this code as a number and lost digits; format the column "
                "as text and type the code again."
            )
        )
    return values.text(value)


def iter_rows(table: Table, headers: HeaderMap) -> Iterator[OrganizationRow]:
    """The table's rows as the bulk service takes them, one at a time; unreadable cells
    become errors."""
    choices = choice_sets()
    for number, cells in table.rows:
        row = OrganizationRow(row=number)
        for key in headers.positions:
            value = headers.cell(cells, key)
            try:
                if key == "uscc":
                    row.uscc = _uscc(value)
                elif key in _TEXT_KEYS:
                    setattr(row, key, values.text(value))
                elif key in choices:
                    setattr(row, key, choices[key].parse(value))
                elif key in ("founded_on", "registered_on"):
                    parsed = values.date(value)
                    if parsed is not None:
                        setattr(row, key, parsed[0])
                        setattr(row, key.replace("_on", "_precision"), parsed[1])
                elif key == "service_fields":
                    row.service_fields = values.split_list(value)
            except values.CellError as exc:
                row.errors.append(RowError(row=number, field=key, reason=str(exc)))
        yield row


def read_rows(table: Table, headers: HeaderMap) -> list[OrganizationRow]:
    """All the table's rows in a list (for callers that want them at hand)."""
    return list(iter_rows(table, headers))


class StreamedRows:
    """The rows read from the table anew on each iteration: the import reads them twice
    (to check, then to write) and never holds them all."""

    def __init__(self, table: Table, headers: HeaderMap) -> None:
        self.table = table
        self.headers = headers

    def __iter__(self) -> Iterator[OrganizationRow]:
        return iter_rows(self.table, self.headers)


class OrganizationImporter:
    entity = "organizations"
    help = "organizations (matched by credit code, else by name and registrar division)"
    sheet_title = gettext_lazy("organizations")
    columns: Sequence[Column] = COLUMNS

    def run(
        self,
        *,
        table: Table,
        headers: HeaderMap,
        actor: Actor,
        dry_run: bool,
        progress: Progress | None,
    ) -> ImportReport:
        result = organizations_import(
            actor=actor,
            rows=StreamedRows(table, headers),
            dry_run=dry_run,
            progress=progress,
            total=table.size_hint,
        )
        order = {key: position for key, position in headers.positions.items()}
        errors = sorted(result.errors, key=lambda e: (e.row, order.get(e.field, -1)))
        return ImportReport(
            dry_run=dry_run,
            written=result.written,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            problems=[Problem(e.row, headers.label(e.field), e.reason) for e in errors],
            more_problems=result.error_count - len(errors) if errors else 0,
            changes=[
                Change(p.row, p.name, [headers.label(f) for f in p.fields])
                for p in result.plan
                if p.action == UPDATE
            ],
        )

    def help_sections(self) -> list[HelpSection]:
        return [
            *choice_sections(choice_sets(), COLUMNS),
            HelpSection(
                "服务领域 / service_fields",
                (_("Chinese name"), _("code"), _("English")),
                [(f.name, f.code, f.name_en) for f in ServiceField.objects.all()],
            ),
            divisions_section("登记管理机关区划 / registrar_division", divisions_today()),
        ]
