from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.core.cli import (
    TextTable,
    domain_errors_as_command_errors,
    dumps,
    parse_date,
    print_text,
    to_jsonable,
)
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.replica import replica_reads
from shuniu.procurement.models import EvaluationGrade, Method
from shuniu.procurement.models import Kind as PurchaseKind
from shuniu.registry.models import Formation, Kind, Status
from shuniu.stats.cache import organization_stats_cached, workforce_stats_cached
from shuniu.stats.operating import (
    SHARE,
    YUAN,
    OperatingRow,
    census_after_date,
    operating_flat,
    operating_profiles,
    operating_rows,
)
from shuniu.stats.selectors import (
    OrganizationStats,
    WorkforceStats,
    organization_published_comparison,
)
from shuniu.targets.models import Metric
from shuniu.workforce.models import LEVEL_KEYS, Level

if TYPE_CHECKING:
    from shuniu.procurement.figures import PurchasingStats


class Command(BaseCommand):
    # Read-only: no system checks (they import every URL pattern, the API and the admin), so
    # that the command starts fast (issue 10); `shuniu check` and `shuniu serve` run them.
    requires_system_checks: list[str] = []
    help = "Statistics as of a date (the same numbers as /api/v1/stats/...)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="figure", required=True, metavar="FIGURE")
        orgs = sub.add_parser(
            "organizations",
            help="organizations that exist on a date, by status, district, kind and formation",
        )
        orgs.add_argument(
            "--region",
            required=True,
            help="GB/T 2260 code of a province, prefecture-level city or county-level "
            "division valid on the date, e.g. 110000, 440100 or 440000",
        )
        orgs.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        orgs.add_argument("--kind", choices=Kind.values, help="organization kind (default: all)")
        orgs.add_argument(
            "--exclude-registering",
            action="store_true",
            help="count registered organizations only",
        )
        orgs.add_argument("--format", choices=["table", "json"], default="table")
        workforce = sub.add_parser(
            "workforce",
            help="certified social workers by level and district, agency staff, pipeline",
        )
        workforce.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 110000")
        workforce.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        workforce.add_argument("--format", choices=["table", "json"], default="table")
        purchasing = sub.add_parser(
            "purchasing",
            help="purchases contracted by a date: amounts, posts, grades, suppliers, by year",
        )
        purchasing.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 440300")
        purchasing.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        purchasing.add_argument("--format", choices=["table", "json"], default="table")
        operating = sub.add_parser(
            "operating",
            help="the operating models of Beijing, Shanghai and Shenzhen side by side on a date",
        )
        operating.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        operating.add_argument("--format", choices=["table", "json", "csv"], default="table")
        self._figures = sub

    def handle(self, *args: Any, **options: Any) -> None:
        # Statistics only read: from the read replica when there is one (shuniu.core.replica).
        with replica_reads():
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        if options["figure"] == "organizations":
            self._organizations(options)
        elif options["figure"] == "workforce":
            self._workforce(options)
        elif options["figure"] == "purchasing":
            _purchasing(self, options)
        elif options["figure"] == "operating":
            _operating(self, options)

    def _organizations(self, options: dict[str, Any]) -> None:
        as_of = (
            parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
        )
        try:
            figures = organization_stats_cached(
                region_code=options["region"],
                as_of=as_of,
                kind=options["kind"],
                include_registering=not options["exclude_registering"],
            )
        except (ValidationError, NotFound, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        if options["format"] == "json":
            self.stdout.write(dumps(figures))
            return
        _print_table(figures)

    def _workforce(self, options: dict[str, Any]) -> None:
        as_of = (
            parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
        )
        try:
            figures = workforce_stats_cached(region_code=options["region"], as_of=as_of)
        except (ValidationError, NotFound, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        if options["format"] == "json":
            self.stdout.write(dumps(figures))
            return
        _print_workforce_table(figures)


def _print_table(figures: OrganizationStats) -> None:
    kinds = dict(Kind.choices)
    title = _("%(region)s as of %(date)s: %(kind)s") % {
        "region": figures.region.name,
        "date": figures.as_of.isoformat(),
        "kind": kinds.get(figures.kind or "", _("all kinds")),
    }
    print_text(title)
    statuses = dict(Status.choices)
    summary = TextTable(show_header=False)
    summary.add_row(_("Total"), str(figures.total))
    for status, count in figures.by_status.items():
        summary.add_row(f"  {statuses.get(status, status)}", str(count))
    summary.add_row(
        _("Districts covered"), f"{figures.districts_covered} / {figures.districts_total}"
    )
    if figures.under_ancestor:
        summary.add_row(_("Counted under a larger division"), str(figures.under_ancestor))
    print_text(summary)
    districts = TextTable(_("Code"), _("District"), _("Count"))
    for row in figures.by_district:
        districts.add_row(row.code, row.name, str(row.count))
    print_text(districts)
    formations = dict(Formation.choices)
    by_formation = TextTable(_("Formation"), _("Count"))
    for f in figures.by_formation:
        by_formation.add_row(str(formations.get(f.formation, f.formation)), str(f.count))
    print_text(by_formation)
    by_kind = TextTable(_("Kind"), _("Count"))
    for kind, count in figures.by_kind.items():
        by_kind.add_row(str(kinds.get(kind, kind)), str(count))
    print_text(by_kind)
    comparisons = organization_published_comparison(figures)
    if comparisons:
        published = TextTable(_("Published figure"), _("Published"), _("Computed"), _("Source"))
        metrics = dict(Metric.choices)
        for c in comparisons:
            value = f"{c.qualifier} {c.published.normalize():f}".strip()
            mark = "" if c.matches else " ≠"
            published.add_row(
                str(metrics.get(c.metric, c.metric)), value, f"{c.computed}{mark}", c.source
            )
        print_text(published)


def _print_workforce_table(figures: WorkforceStats) -> None:
    title = _("%(region)s as of %(date)s: certified social workers") % {
        "region": figures.region.name,
        "date": figures.as_of.isoformat(),
    }
    print_text(title)
    summary = TextTable(show_header=False)
    summary.add_row(_("Certified"), str(figures.certified_total))
    levels = {key: str(Level(value).label) for value, key in LEVEL_KEYS.items()}
    for level, count in figures.by_level.items():
        summary.add_row(f"  {levels.get(level, level)}", str(count))
    summary.add_row(_("Certified, employed by agencies"), str(figures.employed_by_agencies))
    summary.add_row(_("Certified, employed in the sector"), str(figures.employed_in_sector))
    summary.add_row(_("Agency staff (certified or not)"), str(figures.agency_staff))
    summary.add_row(_("Registered with the city"), str(figures.city_registered))
    print_text(summary)
    districts = TextTable(_("Code"), _("District"), _("Certified"))
    for row in figures.by_district:
        districts.add_row(row.code, row.name, str(row.certified))
    print_text(districts)
    pipeline = figures.pipeline
    funnel = TextTable(_("Pipeline"), _("People"))
    funnel.add_row(
        _("Graduates (%(n)d universities)") % {"n": pipeline.universities},
        str(pipeline.graduates),
    )
    funnel.add_row(_("Placed by programmes"), str(pipeline.placed))
    funnel.add_row(_("  of them certified"), str(pipeline.placed_certified))
    funnel.add_row(_("Certified"), str(pipeline.certified))
    funnel.add_row(_("Employed in the sector"), str(pipeline.employed_in_sector))
    print_text(funnel)
    retention = TextTable(_("Employed by agencies on"), _("Then"), _("Still employed"))
    for point in figures.retention:
        retention.add_row(
            point.base_on.isoformat(), str(point.employed_then), str(point.still_employed)
        )
    print_text(retention)
    if figures.published:
        published = TextTable(_("Published figure"), _("Value"), _("As of"), _("Source"))
        for figure in figures.published:
            published.add_row(
                str(Metric(figure.metric).label),
                f"{figure.qualifier} {figure.value}".strip(),
                figure.as_of.isoformat(),
                figure.source,
            )
        print_text(published)


# --- purchasing (the same figures as GET /api/v1/stats/purchasing) ---------------------------


def _purchasing(command: BaseCommand, options: dict[str, Any]) -> None:
    # Imported here: the other figures need none of purchasing's modules, so they start faster.
    from shuniu.procurement.figures import purchasing_stats

    as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
    try:
        figures = purchasing_stats(region_code=options["region"], as_of=as_of)
    except (ValidationError, NotFound, PermissionDenied) as exc:
        raise domain_errors_as_command_errors(exc) from exc
    if options["format"] == "json":
        # Amounts as decimal strings, as the API writes them.
        command.stdout.write(
            json.dumps(to_jsonable(figures), ensure_ascii=False, indent=2, default=str)
        )
        return
    _print_purchasing_table(figures)


def _print_purchasing_table(figures: PurchasingStats) -> None:
    title = _("%(region)s as of %(date)s: purchasing") % {
        "region": figures.region.name,
        "date": figures.as_of.isoformat(),
    }
    print_text(title)
    kinds = dict(PurchaseKind.choices)
    summary = TextTable(show_header=False)
    for kind, count in figures.purchases.items():
        summary.add_row(str(kinds.get(kind, kind)), str(count))
    summary.add_row(_("Contracted amount (yuan)"), f"{figures.contracted_amount}")
    summary.add_row(_("Paid amount (yuan)"), f"{figures.paid_amount}")
    summary.add_row(_("Posts funded"), str(figures.posts_funded))
    summary.add_row(_("Posts filled"), str(figures.posts_filled))
    summary.add_row(_("Posts vacant"), str(figures.posts_vacant))
    print_text(summary)
    districts = TextTable(_("Code"), _("District"), _("Purchases"), _("Amount"), _("Posts funded"))
    for d in figures.by_district:
        districts.add_row(
            d.code, d.name, str(d.purchases), f"{d.contracted_amount}", str(d.posts_funded)
        )
    print_text(districts)
    methods = dict(Method.choices)
    by_method = TextTable(_("Method"), _("Purchases"), _("Amount"))
    for m in figures.by_method:
        by_method.add_row(str(methods[m.method]), str(m.purchases), f"{m.contracted_amount}")
    print_text(by_method)
    suppliers = TextTable(_("Supplier"), _("Purchases"), _("Amount"), _("Share"))
    for s in figures.top_suppliers:
        suppliers.add_row(s.name, str(s.purchases), f"{s.contracted_amount}", f"{s.share:.2%}")
    print_text(suppliers)
    grades = dict(EvaluationGrade.choices)
    by_grade = TextTable(_("Grade"), _("Final evaluations"))
    for grade, count in figures.by_grade.items():
        by_grade.add_row(str(grades[grade]), str(count))
    print_text(by_grade)
    by_year = TextTable(_("Year"), _("Purchases"), _("Amount"))
    for y in figures.by_year:
        by_year.add_row(str(y.year), str(y.purchases), f"{y.contracted_amount}")
    print_text(by_year)


# --- operating models (the same figures as GET /api/v1/stats/operating-models) --------------


def _operating(command: BaseCommand, options: dict[str, Any]) -> None:
    as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
    profiles = operating_profiles(as_of=as_of)
    if options["format"] == "json":
        command.stdout.write(
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "cities": [
                        {**to_jsonable(p), "census_after_date": census_after_date(p)}
                        for p in profiles
                    ],
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return
    if options["format"] == "csv":
        headers, rows = operating_flat(profiles)
        writer = csv.writer(command.stdout)
        writer.writerow(headers)
        writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
        return
    print_text(_("Operating models as of %(date)s") % {"date": as_of.isoformat()})
    table = TextTable(_("Figure"), *(p.region.name for p in profiles))
    for row in operating_rows(profiles):
        table.add_row(row.label, *(_operating_cell(row, i) for i in range(len(profiles))))
    print_text(table)


def _operating_cell(row: OperatingRow, i: int) -> str:
    value = row.values[i]
    if value is None:
        return "—"
    if row.unit == SHARE:
        percent = f"{value * 100:.2f}%"
        return f"{percent} ({row.counts[i]})" if row.counts is not None else percent
    if row.unit == YUAN:
        return f"{value:,.2f}"
    return str(value)
