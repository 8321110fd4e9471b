"""Reads of the registry. The registry is public: anyone may read organizations' public
fields. Scoping for non-public data (personal data, drafts) arrives with those models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex, division_ids_within
from shuniu.registry.models import (
    EVENT_ORDER,
    EventKind,
    Formation,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    ServiceField,
    Status,
    Support,
    SupportKind,
)

MAX_PAGE_SIZE = 200

# How a list may be ordered. Undated organizations go last whichever way dates run, and
# name then id break ties so that pages never overlap.
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "name": ("name", "id"),
    "-registered_on": (F("registered_on").desc(nulls_last=True), "name", "id"),
    "registered_on": (F("registered_on").asc(nulls_last=True), "name", "id"),
    "founded_on": (F("founded_on").asc(nulls_last=True), "name", "id"),
}


def organization_search(
    qs: QuerySet[Organization], q: str, *, scan: bool = False
) -> QuerySet[Organization]:
    """Substring search in names, English names, addresses and credit codes.

    SQLite: the FTS5 trigram index for 3+ characters, the table of each organization's
    characters and pairs of characters (``registry_organization_gram``) for 1-2 (trigram
    MATCH needs three). PostgreSQL: LIKE, served by the pg_trgm GIN index.

    ``scan`` (SQLite): the same rows, but the matches are a set that the rows read in the
    query's order are checked against, so that a page of a frequent word stops after its
    rows instead of fetching and sorting every match (the planner would otherwise drive
    the query from the matches).
    """
    needle = _needle(q)
    if not needle:
        return qs
    if connection.vendor == "sqlite":
        sql, params = _search_ids_sql(needle)
        if scan:
            # The unary + leaves the id out of the index choice (SQLite's documented way).
            return qs.filter(
                RawSQL(f'+"registry_organization"."id" IN ({sql})', params, BooleanField())  # noqa: S611 constant SQL, the needle is a parameter
            )
        return qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611 constant SQL, the needle is a parameter
    return qs.filter(search_text__contains=needle)


def _needle(q: str) -> str:
    return " ".join(q.split()).lower()


def _search_ids_sql(needle: str) -> tuple[str, list[str]]:
    """SQLite: the ids of the organizations whose search_text holds ``needle``."""
    if len(needle) >= 3:
        phrase = '"' + needle.replace('"', '""') + '"'
        return (
            "SELECT rowid FROM registry_organization_fts WHERE registry_organization_fts MATCH %s",
            [phrase],
        )
    return "SELECT organization_id FROM registry_organization_gram WHERE gram = %s", [needle]


def _search_count(q: str) -> tuple[int, int] | None:
    """SQLite: how many organizations match ``q``, from the search index alone, and the
    largest organization id (what the page's plan is chosen by), in one query. None
    elsewhere, or for an empty query."""
    needle = _needle(q)
    if connection.vendor != "sqlite" or not needle:
        return None
    sql, params = _search_ids_sql(needle)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({sql})), (SELECT MAX(id) FROM registry_organization)",  # noqa: S608 constant SQL; the needle is a parameter
            params,
        )
        count, largest = cursor.fetchone()
    return int(count), int(largest or 0)


# When a search's page is read in name order (``organization_search(scan=True)``): a page
# of n rows then reads about n × organizations / matches entries of the name index, checking
# each against the set of matches, where fetching and sorting every match reads ``matches``
# rows. An index entry checked costs a fraction of a row fetched and sorted (measured:
# about a quarter on the synthetic registry), hence the factor.
SCAN_FACTOR = 4


@dataclass(frozen=True)
class OrganizationFilter:
    region: str | None = None
    kind: str | None = None
    status: str | None = None
    formation: str | None = None
    service_field: str | None = None
    q: str | None = None
    as_of: dt.date | None = None


def _check_choice(field: str, value: str | None, allowed: list[str]) -> None:
    if value and value not in allowed:
        raise ValidationError({field: f"unknown value {value!r}; one of {', '.join(allowed)}"})


def organization_list(
    *,
    actor: Actor,
    filters: OrganizationFilter,
    offset: int = 0,
    limit: int = 50,
    order: str = "name",
    index: DivisionIndex | None = None,
) -> tuple[list[Organization], int]:
    """One page of organizations and the total count.

    With ``as_of``, status and district are those of that date (from the periods);
    otherwise the current ones. Each returned organization carries ``status_on`` and
    ``district`` (the county-level division holding its registrar's territory then).
    ``order`` is a key of :data:`ORDERINGS`; pass ``index`` when the caller has already
    loaded the divisions.
    """
    qs, on, index = _organization_query(filters=filters, order=order, index=index, search=False)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if not filters.q:
        count = qs.count()
        page_qs = qs
    elif replace(filters, q=None) == OrganizationFilter() and order == "name":
        # The directory's search: counted from the index, and a page of a frequent word read
        # in name order (the name index) rather than by fetching and sorting every match.
        counted = _search_count(filters.q)
        if counted is None:
            page_qs = organization_search(qs, filters.q)
            count = page_qs.count()
        else:
            count, largest = counted
            scan = SCAN_FACTOR * count * count >= (offset + limit) * largest
            page_qs = organization_search(qs, filters.q, scan=scan)
    else:
        page_qs = organization_search(qs, filters.q)
        count = page_qs.count()
    return _organization_page(
        page_qs, filters=filters, on=on, index=index, order=order, offset=offset, limit=limit
    ), count


def organization_chunks(
    *,
    actor: Actor,
    filters: OrganizationFilter,
    order: str = "name",
    index: DivisionIndex | None = None,
    chunk: int = MAX_PAGE_SIZE,
) -> Iterator[Organization]:
    """Every organization :func:`organization_list` finds, as it returns them, read
    ``chunk`` at a time and not counted (for a download of all of them).

    Keyset paging: each chunk starts after the last row of the one before (``WHERE (sort
    key, name, id) > last``), so every chunk costs the same however deep the download is;
    OFFSET paging read and dropped all the rows before each chunk. A query it cannot answer
    raises its ValidationError on the first ``next``.
    """
    qs, on, index = _organization_query(filters=filters, order=order, index=index)
    after: Organization | None = None
    while True:
        page_qs = qs if after is None else qs.filter(_after_q(KEYSETS[order], after))
        page = _organization_page(
            page_qs, filters=filters, on=on, index=index, order=order, offset=0, limit=chunk
        )
        yield from page
        if len(page) < chunk:
            return
        after = page[-1]


# The keys of each ordering of ORDERINGS, for keyset paging: (field, descending, nullable).
# Nullable keys sort their nulls last, as ORDERINGS does.
KEYSETS: dict[str, tuple[tuple[str, bool, bool], ...]] = {
    "name": (("name", False, False), ("id", False, False)),
    "-registered_on": (("registered_on", True, True), ("name", False, False), ("id", False, False)),
    "registered_on": (("registered_on", False, True), ("name", False, False), ("id", False, False)),
    "founded_on": (("founded_on", False, True), ("name", False, False), ("id", False, False)),
}


def _after_q(keys: tuple[tuple[str, bool, bool], ...], last: Organization) -> Q:
    """The rows that come after ``last`` in the order of ``keys`` (nulls last)."""
    after = Q(pk__in=[])
    equal = Q()
    for field, descending, nullable in keys:
        value = getattr(last, field)
        if value is not None:
            beyond = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
            if nullable:
                beyond |= Q(**{f"{field}__isnull": True})
            after |= equal & beyond
            equal &= Q(**{field: value})
        else:
            # Nothing sorts after a null but other nulls: the next keys decide.
            equal &= Q(**{f"{field}__isnull": True})
    return after


def _organization_query(
    *, filters: OrganizationFilter, order: str, index: DivisionIndex | None, search: bool = True
) -> tuple[QuerySet[Organization], dt.date, DivisionIndex]:
    """The filtered organizations of ``organization_list``, not yet read (without the
    search of ``filters.q`` when ``search`` is false: the caller applies it)."""
    _check_choice("kind", filters.kind, Kind.values)
    _check_choice("status", filters.status, Status.values)
    _check_choice("formation", filters.formation, Formation.values)
    _check_choice("order", order, list(ORDERINGS))
    on = filters.as_of or timezone.localdate()
    index = index or DivisionIndex.load()
    qs = Organization.objects.all()
    region_ids: set[int] | None = None
    if filters.region:
        # A reused code means what it meant on the date (万盛区 500110 before 2011).
        region = index.code_on(filters.region, on)
        if region is None:
            raise ValidationError({"region": f"unknown division code {filters.region!r}"})
        region_ids = division_ids_within(region=region, on=on, index=index)
    if filters.as_of is not None:
        # Status, division and kind of that date are those of the one period in force then
        # (periods never overlap: replay_events closes one where the next starts). One join
        # to it, filtered in a single filter() so that every condition and the annotations
        # share the join: the query starts from the covering index of the periods (a range
        # per division) instead of testing correlated subqueries on every organization, which
        # read the whole registry to count a province (60 ms at 20,000 organizations).
        in_force: dict[str, Any] = {"periods__start__lte": on}
        if region_ids is not None:
            in_force["periods__division_id__in"] = region_ids
        if filters.kind:
            in_force["periods__kind"] = filters.kind
        if filters.status:
            in_force["periods__status"] = filters.status
        qs = qs.filter(Q(periods__end__isnull=True) | Q(periods__end__gt=on), **in_force).annotate(
            status_on=F("periods__status"),
            division_on=F("periods__division_id"),
            kind_on=F("periods__kind"),
        )
    else:
        if region_ids is not None:
            qs = qs.filter(registrar_division_id__in=region_ids)
        if filters.kind:
            qs = qs.filter(kind=filters.kind)
        if filters.status:
            qs = qs.filter(status=filters.status)
    if filters.formation:
        qs = qs.filter(formation=filters.formation)
    if filters.service_field:
        if not ServiceField.objects.filter(code=filters.service_field).exists():
            raise ValidationError(
                {"service_field": f"unknown service field {filters.service_field!r}"}
            )
        qs = qs.filter(service_fields__code=filters.service_field)
    if filters.q and search:
        qs = organization_search(qs, filters.q)
    return qs, on, index


def _organization_page(
    qs: QuerySet[Organization],
    *,
    filters: OrganizationFilter,
    on: dt.date,
    index: DivisionIndex,
    order: str,
    offset: int,
    limit: int,
) -> list[Organization]:
    page = list(
        qs.select_related("registrar_division", "hub").order_by(*ORDERINGS[order])[
            offset : offset + limit
        ]
    )
    _prefetch_service_fields(page)
    for org in page:
        if filters.as_of is None:
            org.status_on = org.status  # type: ignore[attr-defined]
            org.division_on = org.registrar_division_id  # type: ignore[attr-defined]
            org.kind_on = org.kind  # type: ignore[attr-defined]
        org.district = index.holder(org.division_on, on)  # type: ignore[attr-defined]
    return page


_SERVICE_FIELD_COLUMNS = ("code", "name", "name_en", "position")


def _prefetch_service_fields(page: list[Organization]) -> None:
    """What ``prefetch_related("service_fields")`` leaves on each organization (its
    ``service_fields.all()`` answered without a query, in the fields' order), from the same
    one query of the link table and the fields. Django's prefetch built a manager and a
    filtered queryset per organization: half the time of a page of the directory."""
    if not page:
        return
    link = Organization.service_fields.through
    rows = (
        link.objects.filter(organization_id__in=[org.pk for org in page])
        .order_by(*(f"servicefield__{key}" for key in ServiceField._meta.ordering))  # type: ignore[union-attr]
        .values_list("organization_id", *(f"servicefield__{c}" for c in _SERVICE_FIELD_COLUMNS))
    )
    chosen: dict[int, list[ServiceField]] = {org.pk: [] for org in page}
    fields: dict[str, ServiceField] = {}
    for org_id, *values in rows:
        field = fields.get(values[0])
        if field is None:
            field = fields[values[0]] = ServiceField.from_db(
                ServiceField.objects.db, list(_SERVICE_FIELD_COLUMNS), values
            )
        chosen[org_id].append(field)
    for org in page:
        found = ServiceField.objects.all()
        found._result_cache = chosen[org.pk]
        found._prefetch_done = True  # type: ignore[attr-defined]
        org._prefetched_objects_cache = {"service_fields": found}  # type: ignore[attr-defined]


def organization_get(
    *, actor: Actor, pk: int, as_of: dt.date | None = None, index: DivisionIndex | None = None
) -> Organization:
    """One organization with its events, hub, members, sponsors and support."""
    try:
        org = (
            Organization.objects.select_related("registrar_division", "hub")
            .prefetch_related(
                "service_fields",
                "sponsors",
                Prefetch(
                    "events",
                    queryset=OrganizationEvent.objects.select_related(
                        "division_after", "division_before", "hub"
                    ).order_by("date", "id"),
                ),
                "periods",
            )
            .get(pk=pk)
        )
    except Organization.DoesNotExist as exc:
        raise NotFound(pk) from exc
    on = as_of or timezone.localdate()
    period = next(
        (p for p in org.periods.all() if p.start <= on and (p.end is None or on < p.end)), None
    )
    index = index or DivisionIndex.load()
    org.status_on = period.status if period else ""  # type: ignore[attr-defined]
    org.district = index.holder(period.division_id if period else org.registrar_division_id, on)
    return org


@dataclass(frozen=True)
class OrganizationProfile:
    """Everything the public page of one organization shows, read in a fixed number of
    queries however long its history or however many members and support records."""

    organization: Organization
    as_of: dt.date
    status: str  # on ``as_of``; "" before its first dated event
    district: Division  # the county-level division holding its registrar's territory then
    city: Division | None
    events: list[OrganizationEvent]  # in the order they took effect
    hub: Organization | None
    members: list[Organization]
    sponsors: list[Organization]
    sponsored: list[Organization]
    support_received: list[Support]
    support_given: list[Support]


def organization_profile(
    *, actor: Actor, pk: int, as_of: dt.date | None = None
) -> OrganizationProfile:
    """One organization as of a date, with its timeline and the bodies it is tied to."""
    on = as_of or timezone.localdate()
    index = DivisionIndex.load()
    org = organization_get(actor=actor, pk=pk, as_of=on, index=index)
    by_name = Organization.objects.order_by("name", "id")
    support = Support.objects.order_by("starts_on", "id")
    prefetch_related_objects(
        [org],
        Prefetch("members", queryset=by_name.all()),
        Prefetch("sponsored", queryset=by_name.all()),
        Prefetch("support_received", queryset=support.select_related("giver")),
        Prefetch("support_given", queryset=support.select_related("receiver")),
    )
    district: Division = org.district
    return OrganizationProfile(
        organization=org,
        as_of=on,
        status=org.status_on,  # type: ignore[attr-defined]
        district=district,
        city=index.by_id.get(district.parent_id) if district.parent_id else None,
        # Same-day events take effect in a fixed order (founded before registered).
        events=sorted(org.events.all(), key=lambda e: (e.date, EVENT_ORDER.get(e.kind, 99), e.pk)),
        hub=org.hub,
        members=list(org.members.all()),
        sponsors=sorted(org.sponsors.all(), key=lambda o: (o.name, o.pk)),
        sponsored=list(org.sponsored.all()),
        support_received=list(org.support_received.all()),
        support_given=list(org.support_given.all()),
    )


# ---------------------------------------------------------------------------------------
# Hubs and support, as of a date (the sector report)


def hub_from_events(
    events: Sequence[tuple[dt.date, str, int, int | None]], day: dt.date, undated: int | None
) -> int | None:
    """The hub on ``day`` from (date, kind, id, hub id) JOINED_HUB/LEFT_HUB events: the state
    after the last one on or before ``day`` (before a first LEFT_HUB, the hub it names; with
    no events at all, the ``undated`` hub)."""
    ordered = sorted(events, key=lambda e: (e[0], EVENT_ORDER[e[1]], e[2]))
    if not ordered:
        return undated
    hub: int | None = ordered[0][3] if ordered[0][1] == EventKind.LEFT_HUB else None
    for date, kind, _id, hub_id in ordered:
        if date > day:
            break
        hub = hub_id if kind == EventKind.JOINED_HUB else None
    return hub


def organizations_existing_on(
    *, region: Division, as_of: dt.date, kind: str, index: DivisionIndex
) -> QuerySet[OrganizationPeriod]:
    """The periods on ``as_of`` of the organizations of ``kind`` that exist then (registered
    or registering, as the statistics count them) in a division lying in ``region``."""
    return (
        OrganizationPeriod.objects.filter(start__lte=as_of)
        .filter(Q(end__isnull=True) | Q(end__gt=as_of))
        .filter(
            kind=kind,
            status__in=(Status.REGISTERED, Status.REGISTERING),
            division_id__in=division_ids_within(region=region, on=as_of, index=index),
        )
    )


@dataclass(frozen=True)
class HubMembers:
    """A hub organization and the organizations it leads on a date."""

    id: int
    name: str
    association_level: str
    members: list[str]  # organization names, by name


def hubs_leading(*, organization_ids: Sequence[int], as_of: dt.date) -> list[HubMembers]:
    """The hubs leading any of ``organization_ids`` on ``as_of``, most members first.

    The hub of an organization on a date is the one its joined/left-hub events give then; an
    organization without such events keeps the hub recorded on it (``hub_from_events``).
    Three queries whatever the number of organizations."""
    events: dict[int, list[tuple[dt.date, str, int, int | None]]] = {}
    for org_id, date, kind, pk, hub_id in OrganizationEvent.objects.filter(
        organization_id__in=list(organization_ids),
        kind__in=[EventKind.JOINED_HUB, EventKind.LEFT_HUB],
    ).values_list("organization_id", "date", "kind", "id", "hub_id"):
        events.setdefault(org_id, []).append((date, kind, pk, hub_id))
    recorded: dict[int, int | None] = {}
    names: dict[int, str] = {}
    for pk, hub_id, name in Organization.objects.filter(pk__in=list(organization_ids)).values_list(
        "pk", "hub_id", "name"
    ):
        recorded[pk], names[pk] = hub_id, name
    led: dict[int, list[str]] = {}
    for org_id in organization_ids:
        hub = hub_from_events(events.get(org_id, []), as_of, recorded.get(org_id))
        if hub is not None:
            led.setdefault(hub, []).append(names.get(org_id, ""))
    hubs = Organization.objects.filter(pk__in=list(led)).values_list(
        "pk", "name", "association_level"
    )
    return sorted(
        (
            HubMembers(id=pk, name=name, association_level=level, members=sorted(led[pk]))
            for pk, name, level in hubs
        ),
        key=lambda h: (-len(h.members), h.name, h.id),
    )


@dataclass(frozen=True)
class SupportFigure:
    """Support of one kind received by a set of organizations up to a date."""

    kind: str
    records: int
    receivers: int
    amount_yuan: Decimal
    area_m2: Decimal


@dataclass(frozen=True)
class SupportReceived:
    by_kind: list[SupportFigure]
    receivers: int  # organizations that received support of any kind


def support_received(*, organization_ids: Sequence[int], as_of: dt.date) -> SupportReceived:
    """Support (any giver) that ``organization_ids`` received starting on or before
    ``as_of``, per kind of support in the order of ``SupportKind`` (kinds with none left
    out), and how many of the organizations received any. Two queries."""
    received = Support.objects.filter(receiver_id__in=list(organization_ids), starts_on__lte=as_of)
    rows = {
        kind: (records, receivers, amount, area)
        for kind, records, receivers, amount, area in received.values_list("kind")
        .annotate(
            records=Count("id"),
            receivers=Count("receiver_id", distinct=True),
            amount=Sum("amount_yuan"),
            area=Sum("area_m2"),
        )
        .order_by()
    }
    return SupportReceived(
        by_kind=[
            SupportFigure(
                kind=kind,
                records=rows[kind][0],
                receivers=rows[kind][1],
                amount_yuan=Decimal(rows[kind][2] or 0),
                area_m2=Decimal(rows[kind][3] or 0),
            )
            for kind in SupportKind.values
            if kind in rows
        ],
        receivers=received.values("receiver_id").distinct().count() if rows else 0,
    )
