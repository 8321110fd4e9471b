"""The people import: its columns (Chinese, English and the headers files often use), how
its cells are read, its template help. The rows go to ``workforce.bulk.people_import`` as a
stream: this module never holds more than one row."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core.actors import Actor
from shuniu.core.validation import text_acceptable_throughout
from shuniu.interop import values
from shuniu.interop.columns import Column, HeaderMap, Problem
from shuniu.interop.contract import HelpSection, ImportReport, Progress
from shuniu.interop.help import choice_sections, divisions_section
from shuniu.interop.organizations import divisions_today
from shuniu.interop.tables import Table
from shuniu.registry.models import Kind, Organization
from shuniu.workforce.bulk import PersonRow, RowError, people_import
from shuniu.workforce.models import LEVEL_BY_KEY, EducationLevel, EmploymentRole, Level, Sex

SEX_NAMES: dict[str, tuple[str, ...]] = {Sex.MALE: ("男",), Sex.FEMALE: ("女",)}
EDUCATION_NAMES: dict[str, tuple[str, ...]] = {
    EducationLevel.SECONDARY: ("中专/高中", "中专", "高中", "中职", "职高", "技校"),
    EducationLevel.ASSOCIATE: ("大专", "专科", "高职"),
    EducationLevel.BACHELOR: ("本科", "大学本科", "学士"),
    EducationLevel.MASTER: ("硕士研究生", "硕士", "研究生", "MSW"),
    EducationLevel.DOCTOR: ("博士研究生", "博士"),
}
LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "junior": ("助理社会工作师", "助理社工师", "初级", "1"),
    "intermediate": ("社会工作师", "社工师", "中级", "2"),
    "senior": ("高级社会工作师", "高级社工师", "高级", "3"),
}
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    EmploymentRole.SOCIAL_WORKER: ("社工", "一线社工", "社会工作者"),
    EmploymentRole.SUPERVISOR: ("督导", "社工督导"),
    EmploymentRole.DIRECTOR: ("负责人", "主任", "总干事", "机构负责人"),
    EmploymentRole.OTHER: ("其他",),
}


def choice_sets() -> dict[str, values.Choices]:
    return {
        "sex": values.Choices(Sex.choices, SEX_NAMES),
        "education_level": values.Choices(EducationLevel.choices, EDUCATION_NAMES),
        "certificate_level": values.Choices(
            [(key, Level(level).label) for key, level in LEVEL_BY_KEY.items()], LEVEL_NAMES
        ),
        "role": values.Choices(EmploymentRole.choices, ROLE_NAMES),
    }


def _displays(key: str) -> list[str]:
    return choice_sets()[key].displays()


def universities() -> list[tuple[str, str]]:
    """(name, credit code) of the universities a row may name."""
    return [
        (name, uscc or "")
        for name, uscc in Organization.objects.filter(kind=Kind.UNIVERSITY)
        .order_by("name")
        .values_list("name", "uscc")
    ]


_DATE_HELP = gettext_lazy("YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日.")
_YEAR_HELP = gettext_lazy("Four digits: 2012.")

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True, help=gettext_lazy("The name on the ID card.")),
    Column(
        "id_number",
        "身份证号",
        required=True,
        help=gettext_lazy(
            "The 18-character resident ID number (15-digit old numbers are converted). "
            "Format the column as text in Excel. Stored encrypted, shown masked."
        ),
        aliases=("身份证号码", "公民身份号码", "身份证", "证件号码", "id_no"),
    ),
    Column(
        "sex",
        "性别",
        help=gettext_lazy("Optional: taken from the ID number; if given it must agree."),
        choices=lambda: _displays("sex"),
    ),
    Column(
        "education_level",
        "学历",
        help=gettext_lazy("The highest education; see the help sheet."),
        choices=lambda: _displays("education_level"),
        aliases=("最高学历",),
    ),
    Column(
        "university",
        "毕业院校",
        help=gettext_lazy("Credit code or exact name of a university in the registry."),
        choices=lambda: [name for name, _code in universities()],
        aliases=("毕业学校",),
    ),
    Column("major", "专业", help=gettext_lazy("The subject studied."), aliases=("所学专业",)),
    Column("graduation_year", "毕业年份", help=_YEAR_HELP, aliases=("毕业年度",)),
    Column(
        "phone",
        "联系电话",
        help=gettext_lazy("Optional."),
        aliases=("电话", "手机", "手机号", "手机号码"),
    ),
    Column(
        "certificate_level",
        "证书等级",
        help=gettext_lazy(
            "助理社会工作师 (junior, 1), 社会工作师 (intermediate, 2) or 高级社会工作师 "
            "(senior, 3). A certificate needs level, number and exam year."
        ),
        choices=lambda: _displays("certificate_level"),
        aliases=("证书级别", "职业水平等级"),
    ),
    Column(
        "certificate_number",
        "证书编号",
        help=gettext_lazy("Unique: a number stored for another person is refused."),
        aliases=("证书号", "证书号码"),
    ),
    Column("exam_year", "考试年度", help=_YEAR_HELP, aliases=("考试年份",)),
    Column(
        "issued_on",
        "发证日期",
        help=gettext_lazy("Blank: 30 June of the exam year (the exam is held in June)."),
        aliases=("取证日期",),
    ),
    Column(
        "registered_division",
        "登记地",
        help=gettext_lazy(
            "Where the certificate is registered: a division's code or name (东城区, "
            "北京市东城区). Blank: the employer's registrar division."
        ),
        choices=lambda: [name for _d, name in divisions_today()],
        aliases=("登记区划", "注册地"),
    ),
    Column(
        "employer",
        "工作单位",
        help=gettext_lazy(
            "Credit code or exact name of the employing organization. An employment needs "
            "employer and start date."
        ),
        aliases=("单位", "所在单位"),
    ),
    Column(
        "role",
        "岗位",
        help=gettext_lazy("Blank: social worker. See the help sheet."),
        choices=lambda: _displays("role"),
        aliases=("职务",),
    ),
    Column("employment_starts_on", "入职日期", help=_DATE_HELP, aliases=("入职时间",)),
    Column(
        "employment_ends_on",
        "离职日期",
        help=gettext_lazy("Blank while still employed."),
        aliases=("离职时间",),
    ),
    Column(
        "source",
        "来源",
        help=gettext_lazy("Where the information comes from (list, report, survey)."),
        aliases=("数据来源",),
    ),
)

# Excel keeps 15 significant digits: an 18-digit number typed into a cell has lost some.
_EXCEL_DIGITS = 15
_YEAR = re.compile(r"(\d{4})\s*年?度?")
# Dates repeat across rows (start dates, issue dates); remembering them saves parsing.
_MEMO_LIMIT = 50_000


def _text(value: Any) -> str:
    # Cells of a CSV file are all text: spare them the checks for Excel's types.
    if type(value) is str:
        return values.checked(" ".join(value.split()))
    return values.text(value)


def _id_number(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        raise values.CellError(_("This is not an ID number."))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and abs(value) >= 10**_EXCEL_DIGITS:
            raise values.CellError(
                _(
                    "Excel stored this ID number as a number and lost digits; format the "
                    "column as text and type the number again."
                )
            )
        return str(int(value))
    return _text(value)


def _year(value: Any) -> int:
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, dt.date):
        year = value.year
    else:
        match = _YEAR.fullmatch(values.text(value))
        year = int(match.group(1)) if match else None
    if year is None or not 1000 <= year <= 9999:
        raise values.CellError(
            _("%(value)s is not a year; write four digits.") % {"value": values.text(value)}
        )
    return year


def _date(value: Any) -> dt.date | None:
    parsed = values.date(value)
    return parsed[0] if parsed is not None else None


def _memo(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` remembering its answers (and refusals) for cells of the same value."""
    answers: dict[Any, tuple[bool, Any]] = {}
    # Text cells read before and their values, for ``read_rows`` to look up directly.
    accepted: dict[str, Any] = {}

    def parse_memo(value: Any) -> Any:
        # Text cells by their text; others with their type (2010 and "2010" may differ).
        key = value if type(value) is str else (type(value), value)
        known = answers.get(key)
        if known is None:
            try:
                known = (True, parse(value))
            except values.CellError as exc:
                known = (False, str(exc))
            if len(answers) >= _MEMO_LIMIT:
                answers.clear()
                accepted.clear()
            answers[key] = known
            if known[0] and type(value) is str:
                accepted[value] = known[1]
        if known[0]:
            return known[1]
        raise values.CellError(known[1])

    parse_memo.accepted = accepted  # type: ignore[attr-defined]
    return parse_memo


def _readers() -> dict[str, Callable[[Any], Any]]:
    choices = choice_sets()
    level = choices["certificate_level"].parse
    readers: dict[str, Callable[[Any], Any]] = {column.key: _text for column in COLUMNS}
    readers.update(
        id_number=_id_number,
        sex=_memo(choices["sex"].parse),
        education_level=_memo(choices["education_level"].parse),
        certificate_level=_memo(lambda value: LEVEL_BY_KEY[level(value)].value),
        role=_memo(choices["role"].parse),
        graduation_year=_memo(_year),
        exam_year=_memo(_year),
        issued_on=_memo(_date),
        employment_starts_on=_memo(_date),
        employment_ends_on=_memo(_date),
    )
    return readers


def read_rows(table: Table, headers: HeaderMap) -> Iterator[PersonRow]:
    """The table's rows as the bulk service takes them, one at a time; unreadable cells
    become the row's errors."""
    readers = _readers()
    plan = [
        (
            key,
            position,
            readers[key],
            readers[key] in _PLAIN,
            getattr(readers[key], "accepted", None),
        )
        for key, position in headers.positions.items()
    ]
    width = max((entry[1] for entry in plan), default=-1) + 1
    padding = [None] * width
    missing = object()
    for number, cells in table.rows:
        if len(cells) < width:
            cells = [*cells, *padding[len(cells) :]]
        # A row of text found clean at once (nearly every row of a CSV file): its text cells
        # are taken as ``_text`` would return them, and cells read before by their value.
        plain = _plain_text(cells)
        row = PersonRow(row=number)
        for key, position, read, is_text, accepted in plan:
            value = cells[position]
            if value is None or value == "":
                continue
            if plain:
                if is_text:
                    setattr(row, key, " ".join(value.split()) if " " in value else value)
                    continue
                if accepted is not None:
                    found = accepted.get(value, missing)
                    if found is not missing:
                        setattr(row, key, found)
                        continue
            try:
                setattr(row, key, read(value))
            except values.CellError as exc:
                row.errors.append(RowError(row=number, field=key, reason=str(exc)))
        yield row


# Readers that take a text cell as ``_text`` does.
_PLAIN = frozenset({_text, _id_number})


def _plain_text(cells: list[Any]) -> bool:
    """Whether every cell of the row is text that ``_text`` takes as it is, up to runs of
    spaces: decided for the whole row at once (``core.validation``), as a CSV row nearly
    always is."""
    try:
        line = "".join(cells)
    except TypeError:  # not all text (a workbook's numbers and dates, blank cells)
        return False
    return text_acceptable_throughout(line)


class PeopleImporter:
    entity = "people"
    help = (
        "people with their certificates and employers (matched by ID number, certificates "
        "by number); streamed, for files of a million rows"
    )
    sheet_title = gettext_lazy("people")
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
        report = None
        if progress is not None:
            hint = table.size_hint or 0

            def report(stage: str, done: int, total: int) -> None:
                progress(stage, done, total or max(hint, done))

        # The rows come from the file and the progress goes to the terminal: neither uses
        # the database, so the inserts may run while the next rows are read.
        result = people_import(
            actor=actor,
            rows=read_rows(table, headers),
            dry_run=dry_run,
            progress=report,
            background_writes=True,
        )
        order = dict(headers.positions)
        errors = sorted(result.errors, key=lambda e: (e.row, order.get(e.field, len(order))))
        return ImportReport(
            dry_run=dry_run,
            written=result.written,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            problems=[Problem(e.row, headers.label(e.field), e.reason) for e in errors],
            more_problems=result.error_count - len(result.errors),
            details={
                "certificates_created": result.certificates_created,
                "certificates_unchanged": result.certificates_unchanged,
                "employments_created": result.employments_created,
                "employments_updated": result.employments_updated,
                "employments_unchanged": result.employments_unchanged,
            },
        )

    def template_notes(self) -> list[str]:
        return [
            _(
                "Enter one row per person, certificate and job: a person with two "
                "certificates or two jobs takes two rows with the same ID number."
            ),
            _("Headers may be in Chinese or English (the key shown in each header's comment)."),
            _(
                "The import is all-or-nothing: any problem is reported with its row and column, "
                "and nothing is written until every row is right."
            ),
            _(
                "People are matched by ID number, certificates by number, jobs by person, "
                "employer and start date; blank cells leave stored values unchanged, so "
                "importing the same file again changes nothing."
            ),
        ]

    def help_sections(self) -> list[HelpSection]:
        return [
            *choice_sections(choice_sets(), COLUMNS),
            HelpSection(
                "毕业院校 / university",
                (_("name"), _("credit code")),
                [(name, code) for name, code in universities()],
            ),
            divisions_section("登记地 / registered_division", divisions_today()),
        ]
