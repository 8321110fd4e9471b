"""A whole-directory download (``registry.selectors.organization_chunks``, what the CSV/XLSX
export and the HSDS export read): keyset paging against the OFFSET paging it replaced,
measured in the same run on the same organizations.

OFFSET paging reads and drops every row before each chunk, so a download of n rows in
chunks of c costs about n²/2c row reads; keyset paging starts each chunk after the last
row of the one before (``WHERE (key, name, id) > last``) and costs the same for each chunk.
Both must yield the same organizations in the same order, for each ordering timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from django.contrib.auth.models import AnonymousUser

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Organization
from shuniu.registry.selectors import (
    MAX_PAGE_SIZE,
    OrganizationFilter,
    _organization_page,
    _organization_query,
    organization_chunks,
)

NAME = "org_download"
ORDERS = ("name", "-registered_on")
# Keyset paging must not be slower than OFFSET paging at national scale.
LIMIT = 1.0


def offset_chunks(order: str, index: DivisionIndex) -> Iterator[Organization]:
    """The OFFSET loop ``organization_chunks`` ran before (the baseline)."""
    filters = OrganizationFilter()
    qs, on, index = _organization_query(filters=filters, order=order, index=index)
    offset = 0
    while True:
        page = _organization_page(
            qs, filters=filters, on=on, index=index, order=order, offset=offset,
            limit=MAX_PAGE_SIZE,
        )  # fmt: skip
        yield from page
        if len(page) < MAX_PAGE_SIZE:
            return
        offset += MAX_PAGE_SIZE


def keyset_ids(order: str, index: DivisionIndex) -> list[int]:
    chunks = organization_chunks(
        actor=AnonymousUser(), filters=OrganizationFilter(), order=order, index=index
    )
    return [org.pk for org in chunks]


def offset_ids(order: str, index: DivisionIndex) -> list[int]:
    return [org.pk for org in offset_chunks(order, index)]


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    index = DivisionIndex.load()
    total = Organization.objects.count()
    report = Report(
        name=NAME,
        title=f"org_download: every organization in chunks of {MAX_PAGE_SIZE}, keyset vs OFFSET",
        subject="keyset",
        baseline="OFFSET",
        target=f"keyset ≤ {LIMIT:g}× OFFSET at every scale (it gains as the directory grows)",
        notes=[
            f"{total:,} organizations; orders: {', '.join(ORDERS)}; "
            f"scale {ctx.scale:g} (1 = 20,000 organizations)",
        ],
    )
    for order in ORDERS:
        pair = compare(
            partial(keyset_ids, order, index),
            partial(offset_ids, order, index),
            repeat=ctx.repeat,
        )
        if pair.subject != pair.baseline:
            raise BenchmarkError(f"{NAME} order={order}: keyset and OFFSET pages disagree")
        if len(pair.subject) != total:
            raise BenchmarkError(f"{NAME} order={order}: {len(pair.subject)} of {total} read")
        report.rows.append(
            Row(
                case=f"order={order}",
                rows=total,
                subject_s=pair.subject_s,
                baseline_s=pair.baseline_s,
                limit=LIMIT,
            )
        )
    return report
