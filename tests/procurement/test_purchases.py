"""Purchases through the services: create, edit, status timeline; permissions; flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test.utils import override_settings
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.errors import StaleVersion
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.procurement.models import (
    AttemptCode,
    Contract,
    EligibilityRule,
    Purchase,
    RefusedAttempt,
    StatusChange,
)
from shuniu.procurement.selectors import compliance_list, purchase_flags
from shuniu.procurement.services import purchase_status_set, purchase_update
from shuniu.procurement.services.purchases import MAX_AMOUNT, money_clean
from tests.factories import make_organization
from tests.factories_procurement import contracted_purchase
from tests.factories_procurement_buy import buyer, purchase


def state():
    return (
        Purchase.objects.count(),
        StatusChange.objects.count(),
        EligibilityRule.objects.count(),
        AuditRecord.objects.filter(object_type__startswith="procurement").count(),
    )


@pytest.fixture
def officer(make_officer):
    return make_officer("dc_officer", "110101")


@pytest.fixture
def dongcheng_buyer(db):
    return buyer("110101", "东城区社会工作委员会")


def test_create_opens_a_planning_purchase_with_the_default_rules(officer, dongcheng_buyer):
    # when an officer of 东城区 opens a purchase for its 社会工委
    made = purchase(officer, dongcheng_buyer, service_fields=["youth"])
    # then it is planning, with its first timeline row, the default rules and an ocid
    assert made.status == "planning"
    assert list(made.status_changes.values_list("status", "date")) == [
        ("planning", dt.date(2010, 3, 1))
    ]
    assert list(made.rules.values_list("code", flat=True)) == [
        "not_registered",
        "inspection_failed",
        "on_credit_list",
        "barred_by_evaluation",
    ]
    assert made.ocid.startswith("ocds-shuniu-2010-")
    assert len(made.ocid) == len("ocds-shuniu-2010-") + 12
    assert list(made.service_fields.values_list("code", flat=True)) == ["youth"]
    record = AuditRecord.objects.get(action="purchase.create")
    assert (record.actor_label, record.division_code) == ("dc_officer", "110101")
    assert record.after["budget"] == "500000.00"


@override_settings(SHUNIU_OCID_PREFIX="ocds-abc123")
def test_the_ocid_prefix_is_a_setting(officer, dongcheng_buyer):
    assert purchase(officer, dongcheng_buyer).ocid.startswith("ocds-abc123-2010-")


def test_rules_given_replace_the_defaults(officer, dongcheng_buyer):
    made = purchase(
        officer,
        dongcheng_buyer,
        rules=[
            {"code": "not_registered"},
            {"code": "grade_below_minimum", "grade": "3A"},
            {"code": "service_field_missing", "service_field": "youth"},
        ],
    )
    assert list(made.rules.values_list("code", "grade", "service_field")) == [
        ("not_registered", "", None),
        ("grade_below_minimum", "3A", None),
        ("service_field_missing", "", "youth"),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "goods"}, "kind", "Unknown value goods; one of service, post."),
        ({"method": "auction"}, "method", None),
        ({"title": "   "}, "title", "This value is required."),
        ({"budget": Decimal("-1")}, "budget", "Enter an amount greater than zero."),
        ({"budget": Decimal("1.005")}, "budget", "Amounts have at most 2 decimal places (fen)."),
        ({"budget": "abc"}, "budget", "Enter an amount in yuan, such as 500000.00."),
        ({"budget": Decimal("1e20")}, "budget", None),
        ({"planned_on": dt.date(1900, 1, 1)}, "planned_on", None),
        ({"service_fields": ["nope"]}, "service_fields", "Unknown service field nope."),
        ({"rules": [{"code": "nope"}]}, "rules", None),
        ({"rules": [{"code": "not_registered"}, {"code": "not_registered"}]}, "rules", None),
        ({"rules": [{"code": "grade_below_minimum"}]}, "rules", None),
        ({"rules": [{"code": "service_field_missing"}]}, "rules", None),
        ({"title": "a\u202eb"}, "title", None),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    officer, dongcheng_buyer, change, field, message
):
    before = state()
    with pytest.raises(ValidationError) as raised:
        purchase(officer, dongcheng_buyer, **change)
    assert list(raised.value.message_dict) == [field]
    if message:
        assert raised.value.message_dict[field] == [message]
    assert state() == before


def test_the_buyer_must_be_a_government_unit(officer):
    agency = make_organization(name="东城社工事务所", division="110101")
    with pytest.raises(ValidationError) as raised:
        purchase(officer, agency)
    assert raised.value.message_dict == {
        "buyer": ["The buyer must be a government unit (东城社工事务所 is not)."]
    }


def test_the_region_must_be_a_city_or_district(officer, dongcheng_buyer):
    Division.objects.create(
        code="110199",
        name="东华门街道",
        level="street",
        parent=Division.objects.get(code="110101"),
    )
    with pytest.raises(ValidationError) as raised:
        purchase(officer, dongcheng_buyer, region="110199")
    assert raised.value.message_dict == {"region": ["The region must be a city or a district."]}


def test_an_officer_of_another_district_may_not_create(make_officer, dongcheng_buyer):
    other = make_officer("xc", "110102")
    before = state()
    with pytest.raises(PermissionDenied):
        purchase(other, dongcheng_buyer)
    assert state() == before


def test_a_region_outside_the_jurisdiction_is_refused(officer, dongcheng_buyer):
    with pytest.raises(PermissionDenied):
        purchase(officer, dongcheng_buyer, region="110102")


def test_update_changes_what_is_given_at_the_next_version(officer, dongcheng_buyer):
    made = purchase(officer, dongcheng_buyer)
    updated = purchase_update(
        actor=officer,
        purchase=made,
        version=1,
        title="新标题",
        budget=Decimal("600000"),
        rules=[{"code": "not_registered"}],
    )
    assert (updated.title, updated.budget, updated.version) == ("新标题", Decimal("600000.00"), 2)
    assert list(updated.rules.values_list("code", flat=True)) == ["not_registered"]
    record = AuditRecord.objects.get(action="purchase.update")
    assert record.before["title"] == "东城区青少年社工服务项目"
    assert record.after["rules"] == [{"code": "not_registered", "grade": "", "service_field": None}]


def test_update_refuses_a_stale_version(officer, dongcheng_buyer):
    made = purchase(officer, dongcheng_buyer)
    purchase_update(actor=officer, purchase=made, version=1, title="一")
    with pytest.raises(StaleVersion):
        purchase_update(actor=officer, purchase=made, version=1, title="二")
    assert Purchase.objects.get(pk=made.pk).title == "一"


def test_budget_method_and_rules_are_fixed_after_the_award(officer):
    contract = contracted_purchase(region="110101", buyer=buyer("110101"))
    for change in ({"budget": Decimal(1)}, {"method": "invited"}, {"rules": []}):
        with pytest.raises(ValidationError) as raised:
            purchase_update(actor=officer, purchase=contract.purchase, version=1, **change)
        assert list(raised.value.message_dict) == list(change)
    # but the title may still be corrected
    purchase_update(actor=officer, purchase=contract.purchase, version=1, title="更正")


def test_update_by_another_district_changes_nothing(make_officer, officer, dongcheng_buyer):
    made = purchase(officer, dongcheng_buyer)
    before = state()
    with pytest.raises(PermissionDenied):
        purchase_update(actor=make_officer("xc", "110102"), purchase=made, version=1, title="改")
    assert state() == before
    assert Purchase.objects.get(pk=made.pk).title == "东城区青少年社工服务项目"


def test_status_moves_along_the_timeline(officer, dongcheng_buyer):
    made = purchase(officer, dongcheng_buyer)
    purchase_status_set(
        actor=officer, purchase=made, status="tendering", date=dt.date(2010, 3, 15), version=1
    )
    cancelled = purchase_status_set(
        actor=officer,
        purchase=made,
        status="cancelled",
        date=dt.date(2010, 3, 15),
        note="预算取消",
        version=2,
    )
    assert cancelled.status == "cancelled"
    assert list(made.status_changes.values_list("status", "date", "note")) == [
        ("planning", dt.date(2010, 3, 1), ""),
        ("tendering", dt.date(2010, 3, 15), ""),
        ("cancelled", dt.date(2010, 3, 15), "预算取消"),
    ]
    assert AuditRecord.objects.filter(action="purchase.status").count() == 2


@pytest.mark.parametrize(
    ("status", "date", "field", "message"),
    [
        (
            "completed",
            dt.date(2010, 4, 1),
            "status",
            "A purchase planning cannot become completed (next: tendering, cancelled).",
        ),
        (
            "awarded",
            dt.date(2010, 4, 1),
            "status",
            "awarded is set by recording the award or the contract.",
        ),
        ("bogus", dt.date(2010, 4, 1), "status", None),
        (
            "tendering",
            dt.date(2010, 2, 28),
            "date",
            "The date must not be before the last status change (2010-03-01).",
        ),
        ("tendering", dt.date(2101, 1, 1), "date", None),
    ],
)
def test_status_refusals_change_nothing(officer, dongcheng_buyer, status, date, field, message):
    made = purchase(officer, dongcheng_buyer)
    before = state()
    with pytest.raises(ValidationError) as raised:
        purchase_status_set(actor=officer, purchase=made, status=status, date=date, version=1)
    assert list(raised.value.message_dict) == [field]
    if message:
        assert raised.value.message_dict[field] == [message]
    assert state() == before
    assert Purchase.objects.get(pk=made.pk).status == "planning"


def test_terminating_ends_the_contract(officer):
    contract = contracted_purchase(region="110101", buyer=buyer("110101"))
    purchase_status_set(
        actor=officer,
        purchase=contract.purchase,
        status="terminated",
        date=dt.date(2010, 9, 1),
        version=None,
    )
    assert Contract.objects.get(pk=contract.pk).terminated_on == dt.date(2010, 9, 1)


# --- flags ----------------------------------------------------------------------------


def test_flags_of_a_post_purchase_after_2020_with_a_long_term(officer):
    contract = contracted_purchase(
        kind="post",
        region="110101",
        buyer=buyer("110101"),
        awarded_on=dt.date(2020, 3, 1),
        starts_on=dt.date(2020, 3, 8),
        ends_on=dt.date(2023, 3, 8),
    )
    RefusedAttempt.objects.create(
        purchase=contract.purchase, code=AttemptCode.PAYMENT_BEFORE_ACCEPTANCE
    )
    RefusedAttempt.objects.create(
        purchase=contract.purchase, code=AttemptCode.PAYMENT_BEFORE_ACCEPTANCE
    )
    RefusedAttempt.objects.create(purchase=contract.purchase, code=AttemptCode.INELIGIBLE_AWARD)
    flags = purchase_flags(contract.purchase)
    assert [(f.code, f.date) for f in flags] == [
        ("post_after_2020", dt.date(2020, 3, 1)),
        ("term_over_3_years", dt.date(2020, 3, 1)),
        ("payment_before_acceptance", flags[2].date),
    ]
    assert flags[2].message == "2 payment(s) tried before their deliverable was accepted."


def test_a_three_year_term_is_not_over_three_years(officer):
    contract = contracted_purchase(
        region="110101", starts_on=dt.date(2010, 6, 1), ends_on=dt.date(2013, 5, 31)
    )
    assert purchase_flags(contract.purchase) == []
    Contract.objects.filter(pk=contract.pk).update(ends_on=dt.date(2013, 6, 1))
    assert [f.code for f in purchase_flags(Purchase.objects.get(pk=contract.purchase_id))] == [
        "term_over_3_years"
    ]


def test_compliance_lists_flagged_purchases_in_the_jurisdiction(
    make_officer, officer, admin_user, django_assert_max_num_queries
):
    # given flagged purchases in 东城区 and 西城区 and an unflagged one in 东城区
    here = [
        contracted_purchase(
            region="110101",
            buyer=buyer("110101"),
            starts_on=dt.date(2010, 6, 1),
            ends_on=dt.date(2014, 6, 1),
        )
        for _ in range(3)
    ]
    contracted_purchase(region="110101", buyer=buyer("110101"))
    there = contracted_purchase(
        region="110102", starts_on=dt.date(2010, 6, 1), ends_on=dt.date(2014, 6, 1)
    )
    # when the officer of 东城区 lists them (in a bounded number of queries)
    with django_assert_max_num_queries(6):
        rows, count = compliance_list(actor=officer)
    # then only 东城区's flagged ones
    assert count == 3
    assert {p.pk for p, _ in rows} == {c.purchase_id for c in here}
    assert {f.code for _, flags in rows for f in flags} == {"term_over_3_years"}
    # and the administrator sees all four
    assert compliance_list(actor=admin_user)[1] == 4
    assert there.purchase_id in {p.pk for p, _ in compliance_list(actor=admin_user)[0]}


def test_compliance_is_for_officers_and_admins(db):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        compliance_list(actor=AnonymousUser())
    with pytest.raises(PermissionDenied):
        compliance_list(actor=UserFactory())


def test_region_of_a_purchase_lies_in_division_data(db):
    # (guards the fixture codes used above)
    assert Division.objects.get(code="110101").level == "district"


# --- property: amounts are accepted exactly when they are yuan with at most 2 places --------


@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.integers(),
        st.floats(),
    )
)
def test_an_amount_is_clean_or_refused_naming_the_field(raw):
    refused: ValidationError | None = None
    try:
        amount = money_clean(raw, field="budget")
    except ValidationError as exc:
        refused = exc
    if refused is not None:
        # then a refusal names the field, never another error
        assert list(refused.message_dict) == ["budget"]
    else:
        assert Decimal(0) <= amount <= MAX_AMOUNT
        assert amount == amount.quantize(Decimal("0.01"))
        assert amount == Decimal(str(raw).strip())
