"""Operating models of the cities as of a date (issue 9, point 4): how their agencies came
to be, whether a hub leads them, how dense they are, their workers, the support they got and
what the governments bought, side by side so that the survey's contrast shows in numbers.

One function per figure set, fed to the comparison page, the API, the CLI and the report.
A fixed number of aggregate queries per region (see ``operating_profile``), never a row per
agency in Python.

"Led by a hub on D" follows the organization's hub events as the registry replays them
(``registry.services.replay_events``): the latest ``joined_hub``/``left_hub`` event on or
before D decides; with none by then, the first later event tells the state before it (a
``left_hub`` naming its hub means that hub led it, a ``joined_hub`` means none did); an
organization without hub events is led by ``Organization.hub`` for its whole life.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex, division_ids_within, population_on
from shuniu.procurement.models import Contract
from shuniu.procurement.models import Kind as PurchaseKind
from shuniu.registry.models import (
    AssociationLevel,
    EventKind,
    Formation,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    Support,
)
from shuniu.stats.selectors import (
    EXISTING_STATUSES,
    RegionRef,
    _region,
    organization_stats,
    workforce_certified,
)

# The three cities the 2012 survey compared, in the order the pages show them.
OPERATING_REGIONS = ("110000", "310000", "440300")
SHARE_PLACES = Decimal("0.0001")
RATIO_PLACES = Decimal("0.01")
# Agencies per 10,000 residents are small numbers (0.03 in a city of 20 million with 50).
DENSITY_PLACES = Decimal("0.0001")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Share:
    code: str  # e.g. "transformation", "city", "posts"
    label: str  # translated label
    count: int  # or 0 for money shares
    share: Decimal | None  # of the total, 0..1, 4 places; None when the total is 0


@dataclass(frozen=True)
class OperatingProfile:
    region: RegionRef
    as_of: dt.date
    agencies: int
    formations: list[Share]
    hub_led: Share
    hub_levels: list[Share]
    districts: int
    districts_covered: int
    agencies_per_district: Decimal | None
    population: int | None
    population_census: int | None
    agencies_per_10k: Decimal | None
    certified: int
    certified_per_agency: Decimal | None
    support_yuan: Decimal
    support_per_agency: Decimal | None
    purchased: list[Share]
    posts_amount: Decimal
    services_amount: Decimal


# Both censuses of the reference file were taken on 1 November (a test checks the file).
CENSUS_MONTH_DAY = (11, 1)


def census_after_date(profile: OperatingProfile) -> bool:
    """Whether the census the profile's population comes from was taken after its date: the
    2010 census stands in for earlier dates, and the pages and the API say so."""
    if profile.population_census is None:
        return False
    return profile.as_of < dt.date(profile.population_census, *CENSUS_MONTH_DAY)


def _ratio(part: Decimal | int, whole: Decimal | int | None, places: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(places)


def _share(code: str, label: str, count: int, total: int) -> Share:
    return Share(code=code, label=label, count=count, share=_ratio(count, total, SHARE_PLACES))


def _money_share(code: str, label: str, amount: Decimal, total: Decimal) -> Share:
    return Share(code=code, label=label, count=0, share=_ratio(amount, total, SHARE_PLACES))


def _agency_periods(ids: set[int], as_of: dt.date) -> QuerySet[OrganizationPeriod]:
    """The periods of the agencies that exist in these divisions on ``as_of`` (one each)."""
    return OrganizationPeriod.objects.filter(
        start__lte=as_of,
        division_id__in=sorted(ids),
        kind=Kind.AGENCY,
        status__in=EXISTING_STATUSES,
    ).filter(Q(end__isnull=True) | Q(end__gt=as_of))


def _hub_led_by_level(periods: QuerySet[OrganizationPeriod], as_of: dt.date) -> dict[str, int]:
    """Agencies of ``periods`` led by a hub on ``as_of`` (module docstring), per the hub's
    association level ("" when it has none): one GROUP BY over the periods, the hub events
    and the hub's level as correlated subqueries."""
    events = OrganizationEvent.objects.filter(
        organization_id=OuterRef("organization_id"),
        kind__in=(EventKind.JOINED_HUB, EventKind.LEFT_HUB),
    )
    # "joined_hub" sorts before "left_hub", as EVENT_ORDER replays two events of one day.
    last = events.filter(date__lte=as_of).order_by("-date", "-kind", "-id")
    following = events.filter(date__gt=as_of).order_by("date", "kind", "id")
    none = Value(None, output_field=IntegerField())
    rows = (
        periods.annotate(
            last_kind=Subquery(last.values("kind")[:1]),
            next_kind=Subquery(following.values("kind")[:1]),
        )
        .annotate(
            hub_on=Case(
                When(last_kind=EventKind.JOINED_HUB, then=Subquery(last.values("hub_id")[:1])),
                When(last_kind=EventKind.LEFT_HUB, then=none),
                When(next_kind=EventKind.LEFT_HUB, then=Subquery(following.values("hub_id")[:1])),
                When(next_kind=EventKind.JOINED_HUB, then=none),
                default=F("organization__hub_id"),
                output_field=IntegerField(),
            )
        )
        .filter(hub_on__isnull=False)
        .annotate(
            hub_level=Subquery(
                Organization.objects.filter(pk=OuterRef("hub_on")).values("association_level")[:1]
            )
        )
        .values_list("hub_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_level: dict[str, int] = {}
    for level, n in rows:
        by_level[level or ""] = by_level.get(level or "", 0) + n
    return by_level


def _support_received(periods: QuerySet[OrganizationPeriod], as_of: dt.date) -> Decimal:
    """Money given to these agencies in support that started on or before ``as_of``."""
    total = Support.objects.filter(
        receiver_id__in=periods.values("organization_id"),
        starts_on__lte=as_of,
        amount_yuan__isnull=False,
    ).aggregate(value=Coalesce(Sum("amount_yuan"), Value(Decimal(0)), output_field=DecimalField()))[
        "value"
    ]
    return Decimal(total).quantize(RATIO_PLACES)


def _purchased(ids: set[int], as_of: dt.date) -> dict[str, Decimal]:
    """Contracted amount per purchase kind of the purchases delivered in these divisions
    whose contract was signed on or before ``as_of`` (the purchasing figures' rule)."""
    amounts = dict(
        Contract.objects.filter(purchase__region_id__in=sorted(ids), signed_on__lte=as_of)
        .values_list("purchase__kind")
        .annotate(value=Coalesce(Sum("amount"), Value(Decimal(0)), output_field=DecimalField()))
        .order_by()
    )
    return {
        kind: Decimal(amounts.get(kind) or 0).quantize(RATIO_PLACES) for kind in PurchaseKind.values
    }


def _formation_label(code: str) -> str:
    return str(Formation(code).label) if code in Formation.values else _("not recorded")


def _level_label(code: str) -> str:
    return (
        str(AssociationLevel(code).label) if code in AssociationLevel.values else _("not recorded")
    )


def operating_profile(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> OperatingProfile:
    """The operating model of a region's agencies on ``as_of``.

    Agencies are organizations of kind agency, registered or registering on the date (as the
    organization statistics count them), grouped by the divisions valid then. Certified
    workers are the region's people with a valid certificate (``workforce_certified``);
    support is the money the agencies existing on the date received up to it; purchased
    amounts are the contracts signed by then. Ratios have two places, shares four, agencies
    per 10,000 residents four; a ratio over zero is None.
    """
    index = index or DivisionIndex.load()
    region: Division = _region(index, region_code, as_of)
    figures = organization_stats(
        region_code=region_code, as_of=as_of, kind=Kind.AGENCY, index=index
    )
    agencies = figures.total
    ids = division_ids_within(region=region, on=as_of, index=index)
    periods = _agency_periods(ids, as_of)

    by_formation = {f.formation: f.count for f in figures.by_formation}
    formations = [
        _share(code, _formation_label(code), by_formation.get(code, 0), agencies)
        for code in [*Formation.values, UNKNOWN]
    ]

    by_level = _hub_led_by_level(periods, as_of)
    hub_led = sum(by_level.values())
    by_level[UNKNOWN] = by_level.pop("", 0)
    hub_levels = [
        _share(code, _level_label(code), by_level.get(code, 0), hub_led)
        for code in [*AssociationLevel.values, UNKNOWN]
    ]

    census = population_on(region=region, on=as_of, index=index)
    population = census.population if census else None
    certified = workforce_certified(region=region, as_of=as_of, index=index).total
    support = _support_received(periods, as_of)
    purchased = _purchased(ids, as_of)
    posts, services = purchased[PurchaseKind.POST], purchased[PurchaseKind.SERVICE]
    return OperatingProfile(
        region=figures.region,
        as_of=as_of,
        agencies=agencies,
        formations=formations,
        hub_led=_share("hub_led", _("led by a hub"), hub_led, agencies),
        hub_levels=hub_levels,
        districts=figures.districts_total,
        districts_covered=figures.districts_covered,
        agencies_per_district=_ratio(agencies, figures.districts_total, RATIO_PLACES),
        population=population,
        population_census=census.census if census and population is not None else None,
        agencies_per_10k=_ratio(agencies * 10_000, population, DENSITY_PLACES),
        certified=certified,
        certified_per_agency=_ratio(certified, agencies, RATIO_PLACES),
        support_yuan=support,
        support_per_agency=_ratio(support, agencies, RATIO_PLACES),
        purchased=[
            _money_share("posts", str(PurchaseKind.POST.label), posts, posts + services),
            _money_share("services", str(PurchaseKind.SERVICE.label), services, posts + services),
        ],
        posts_amount=posts,
        services_amount=services,
    )


def operating_profiles(
    *, as_of: dt.date, index: DivisionIndex | None = None
) -> list[OperatingProfile]:
    """Beijing, Shanghai and Shenzhen (those in the reference divisions) on ``as_of``."""
    index = index or DivisionIndex.load()
    return [
        operating_profile(region_code=code, as_of=as_of, index=index)
        for code in OPERATING_REGIONS
        if code in index.by_code
    ]


# ---------------------------------------------------------------------------------------
# The profiles as rows: one row per figure, one value per city (the page's table, its
# download and the command's table and CSV read these, so they cannot disagree)

COUNT, SHARE, RATIO, YUAN, YEAR = "count", "share", "ratio", "yuan", "year"


@dataclass(frozen=True)
class OperatingRow:
    code: str  # stable, e.g. "formation.transformation", "agencies_per_10k"
    label: str  # translated
    unit: str  # count, share (0..1, with counts unless money), ratio, yuan, year
    values: list[int | Decimal | None]  # one per profile
    counts: list[int] | None = None  # share rows of things counted: the counts behind them


def _share_row(code: str, shares: list[Share], label: str, counted: bool) -> OperatingRow:
    return OperatingRow(
        code=code,
        label=label,
        unit=SHARE,
        values=[s.share for s in shares],
        counts=[s.count for s in shares] if counted else None,
    )


def operating_rows(profiles: list[OperatingProfile]) -> list[OperatingRow]:
    """The figures of ``profiles`` as rows, in the order the page shows them."""

    def each(name: str) -> list[int | Decimal | None]:
        return [getattr(p, name) for p in profiles]

    rows = [OperatingRow("agencies", _("Agencies"), COUNT, each("agencies"))]
    for i, code in enumerate([*Formation.values, UNKNOWN]):
        shares = [p.formations[i] for p in profiles]
        label = _("Formation: %(formation)s") % {"formation": _formation_label(code)}
        rows.append(_share_row(f"formation.{code}", shares, label, counted=True))
    rows.append(_share_row("hub_led", [p.hub_led for p in profiles], _("Led by a hub"), True))
    for i, code in enumerate([*AssociationLevel.values, UNKNOWN]):
        shares = [p.hub_levels[i] for p in profiles]
        label = _("Hub-led, by a hub of %(level)s") % {"level": _level_label(code)}
        rows.append(_share_row(f"hub_level.{code}", shares, label, counted=True))
    rows += [
        OperatingRow("districts", _("Districts"), COUNT, each("districts")),
        OperatingRow(
            "districts_covered", _("Districts with an agency"), COUNT, each("districts_covered")
        ),
        OperatingRow(
            "agencies_per_district",
            _("Agencies per district"),
            RATIO,
            each("agencies_per_district"),
        ),
        OperatingRow("population", _("Resident population (census)"), COUNT, each("population")),
        OperatingRow("population_census", _("Census year"), YEAR, each("population_census")),
        OperatingRow(
            "agencies_per_10k", _("Agencies per 10,000 residents"), RATIO, each("agencies_per_10k")
        ),
        OperatingRow("certified", _("Certified social workers"), COUNT, each("certified")),
        OperatingRow(
            "certified_per_agency",
            _("Certified workers per agency"),
            RATIO,
            each("certified_per_agency"),
        ),
        OperatingRow(
            "support_yuan", _("Money support received (yuan)"), YUAN, each("support_yuan")
        ),
        OperatingRow(
            "support_per_agency",
            _("Money support per agency (yuan)"),
            YUAN,
            each("support_per_agency"),
        ),
        OperatingRow("posts_amount", _("Purchased: posts (yuan)"), YUAN, each("posts_amount")),
        OperatingRow(
            "services_amount", _("Purchased: services (yuan)"), YUAN, each("services_amount")
        ),
    ]
    for i, (code, kind) in enumerate(
        (("posts", PurchaseKind.POST), ("services", PurchaseKind.SERVICE))
    ):
        label = _("Share of the purchased amount: %(kind)s") % {"kind": kind.label}
        rows.append(
            _share_row(f"purchased.{code}", [p.purchased[i] for p in profiles], label, False)
        )
    return rows


FlatCell = str | int | Decimal | None


def operating_flat(profiles: list[OperatingProfile]) -> tuple[list[str], list[list[FlatCell]]]:
    """The rows as a plain table for files: code, label, unit, one column per city; a share of
    things counted is followed by a ``.count`` row with the counts behind it."""
    headers = [
        _("Code"),
        _("Figure"),
        _("Unit"),
        *(f"{p.region.name} ({p.region.code})" for p in profiles),
    ]
    table: list[list[FlatCell]] = []
    for row in operating_rows(profiles):
        table.append([row.code, row.label, row.unit, *row.values])
        if row.counts is not None:
            table.append([f"{row.code}.count", row.label, COUNT, *row.counts])
    return headers, table
