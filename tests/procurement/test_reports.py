"""Service reports: the supplier's staff submit, the buyer's officers accept or return;
acceptance marks the reported deliverables accepted and feeds ``deliverable_progress``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Deliverable, ReportStatus, ServiceReport, Status
from shuniu.procurement.selectors import deliverable_progress, report_list
from shuniu.procurement.services import report_accept, report_return, report_submit
from tests.factories import make_organization
from tests.factories_procurement_deliver import buyer_officer, other_officer, signed, staff_of


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    officer = buyer_officer()
    contract = signed(officer)
    hours, outcome = contract.deliverables.order_by("position")
    staff = staff_of(contract.purchase.award.supplier, "supplier_staff")
    return {
        "officer": officer,
        "contract": contract,
        "staff": staff,
        "hours": hours,
        "outcome": outcome,
    }


def _submit(world, lines, **changes):
    arguments = {
        "actor": world["staff"],
        "contract": world["contract"],
        "period_start": dt.date(2010, 6, 1),
        "period_end": dt.date(2010, 11, 30),
        "submitted_on": dt.date(2010, 12, 1),
        "lines": lines,
    }
    arguments.update(changes)
    return report_submit(**arguments)


def test_accepting_a_report_accepts_its_deliverables_and_starts_delivery(world):
    # given a report of 800 hours submitted by the supplier's staff
    report = _submit(world, [{"deliverable": world["hours"].pk, "actual": "800", "text": "个案"}])
    assert report.status == ReportStatus.SUBMITTED
    # when the buyer's officer accepts it
    accepted = report_accept(
        actor=world["officer"], report=report, decided_on=dt.date(2010, 12, 10), version=1
    )
    # then the reported deliverable is accepted by it, the other is not
    assert (accepted.status, accepted.decided_on, accepted.version) == (
        "accepted",
        dt.date(2010, 12, 10),
        2,
    )
    hours = Deliverable.objects.get(pk=world["hours"].pk)
    assert (hours.accepted_on, hours.accepted_report_id) == (dt.date(2010, 12, 10), report.pk)
    assert Deliverable.objects.get(pk=world["outcome"].pk).accepted_on is None
    # and the purchase is in delivery from that date
    purchase = world["contract"].purchase
    purchase.refresh_from_db()
    assert purchase.status == Status.IN_DELIVERY
    assert purchase.status_changes.order_by("-id").first().date == dt.date(2010, 12, 10)
    # and progress counts the accepted actuals
    progress = deliverable_progress(world["contract"])
    assert [(p.deliverable.pk, p.planned, p.actual, p.ratio) for p in progress] == [
        (world["hours"].pk, Decimal("1000.00"), Decimal("800.00"), Decimal("0.8000")),
        (world["outcome"].pk, None, Decimal("0.00"), None),
    ]
    assert deliverable_progress(world["contract"], as_of=dt.date(2010, 12, 9))[0].actual == Decimal(
        "0.00"
    )


def test_a_later_acceptance_keeps_the_first_acceptance_date(world):
    first = _submit(world, [{"deliverable": world["hours"].pk, "actual": "600"}])
    report_accept(actor=world["officer"], report=first, decided_on=dt.date(2010, 12, 10), version=1)
    second = _submit(
        world,
        [{"deliverable": world["hours"].pk, "actual": "500"}],
        period_start=dt.date(2010, 12, 1),
        period_end=dt.date(2011, 3, 31),
        submitted_on=dt.date(2011, 4, 2),
    )
    report_accept(actor=world["officer"], report=second, decided_on=dt.date(2011, 4, 10), version=1)
    hours = Deliverable.objects.get(pk=world["hours"].pk)
    assert (hours.accepted_on, hours.accepted_report_id) == (dt.date(2010, 12, 10), first.pk)
    assert deliverable_progress(world["contract"])[0].ratio == Decimal("1.1000")


def test_a_returned_report_accepts_nothing_and_is_resubmitted(world):
    # given a submitted report
    report = _submit(world, [{"deliverable": world["outcome"].pk, "text": "初步建立"}])
    # when it is returned without a comment, it is refused
    with pytest.raises(ValidationError) as caught:
        report_return(
            actor=world["officer"],
            report=report,
            decided_on=dt.date(2010, 12, 5),
            comment="",
            version=1,
        )
    assert caught.value.message_dict == {"comment": ["This value is required."]}
    # when it is returned with one
    returned = report_return(
        actor=world["officer"],
        report=report,
        decided_on=dt.date(2010, 12, 5),
        comment="请补充证明材料",
        version=1,
    )
    # then it is returned and nothing is accepted
    assert (returned.status, returned.comment) == ("returned", "请补充证明材料")
    assert Deliverable.objects.filter(accepted_on__isnull=False).count() == 0
    # and a decided report is not decided again
    with pytest.raises(ValidationError):
        report_accept(
            actor=world["officer"], report=report, decided_on=dt.date(2010, 12, 6), version=None
        )
    # and the supplier submits a new report
    again = _submit(
        world,
        [{"deliverable": world["outcome"].pk, "text": "已建立并附证明"}],
        submitted_on=dt.date(2010, 12, 8),
    )
    assert ServiceReport.objects.filter(contract=world["contract"]).count() == 2
    assert again.status == "submitted"


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ([], "lines", "A report has at least one line."),
        (
            [{"deliverable": 999999, "actual": "3"}],
            "lines[0].deliverable",
            "This contract has no deliverable with id 999999.",
        ),
        ([{"deliverable": "HOURS"}], "lines[0].actual", "Give the actual quantity (0 or more)."),
        (
            [{"deliverable": "HOURS", "actual": "-1"}],
            "lines[0].actual",
            "Enter a number of at least 0 with at most 2 decimal places.",
        ),
        ([{"deliverable": "OUTCOME"}], "lines[0].text", "Say what was achieved."),
        (
            [{"deliverable": "OUTCOME", "text": "好", "actual": "2"}],
            "lines[0].actual",
            "An outcome is reported in words; leave the quantity out.",
        ),
        (
            [{"deliverable": "HOURS", "actual": "1"}, {"deliverable": "HOURS", "actual": "2"}],
            "lines[1].deliverable",
            None,
        ),
    ],
)
def test_a_bad_report_names_the_line_and_writes_nothing(world, lines, field, message):
    ids = {"HOURS": world["hours"].pk, "OUTCOME": world["outcome"].pk}
    lines = [
        {**line, "deliverable": ids.get(line["deliverable"], line["deliverable"])} for line in lines
    ]
    audit = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        _submit(world, lines)
    expected = message or f"Deliverable {world['hours'].pk} is reported on twice in this report."
    assert expected in caught.value.message_dict[field]
    assert (ServiceReport.objects.count(), AuditRecord.objects.count()) == (0, audit)


def test_a_period_outside_the_term_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _submit(
            world,
            [{"deliverable": world["hours"].pk, "actual": "1"}],
            period_start=dt.date(2010, 5, 1),
        )
    assert caught.value.message_dict == {
        "period_start": ["The period lies within the contract's term (2010-06-01 to 2011-05-31)."]
    }


def test_who_may_submit(world):
    # the buyer's officer sees the reports but does not submit them
    with pytest.raises(PermissionDenied):
        _submit(world, [{"deliverable": world["hours"].pk, "actual": "1"}], actor=world["officer"])
    # another agency's staff and another district's officer do not see them at all
    other_staff = staff_of(make_organization(division="110105"), "other_staff")
    for actor in (other_staff, other_officer()):
        with pytest.raises(NotFound):
            _submit(world, [{"deliverable": world["hours"].pk, "actual": "1"}], actor=actor)
    assert ServiceReport.objects.count() == 0


def test_who_may_accept(world):
    report = _submit(world, [{"deliverable": world["hours"].pk, "actual": "1"}])
    with pytest.raises(PermissionDenied):
        report_accept(
            actor=world["staff"], report=report, decided_on=dt.date(2010, 12, 10), version=1
        )
    with pytest.raises(NotFound):
        report_accept(
            actor=other_officer(), report=report, decided_on=dt.date(2010, 12, 10), version=1
        )
    assert ServiceReport.objects.get().status == "submitted"
    assert Deliverable.objects.filter(accepted_on__isnull=False).count() == 0


def test_the_report_list_is_scoped_and_takes_few_queries(world, django_assert_max_num_queries):
    # given five reports with two lines each
    for month in range(6, 11):
        _submit(
            world,
            [
                {"deliverable": world["hours"].pk, "actual": "10"},
                {"deliverable": world["outcome"].pk, "text": "x"},
            ],
            period_start=dt.date(2010, month, 1),
            period_end=dt.date(2010, month, 28),
        )
    # when the supplier's staff list them: a handful of queries, whatever their number
    with django_assert_max_num_queries(8):
        items, count = report_list(actor=world["staff"], contract=world["contract"])
        lines = [len(item.lines.all()) for item in items]
    assert (count, lines) == (5, [2, 2, 2, 2, 2])
    # and another district's officer does not see them
    with pytest.raises(NotFound):
        report_list(actor=other_officer(), contract=world["contract"])
