"""The officer's purchasing workspace and the agency's contracts: who may open and post
what, each refused write changing nothing, the forms going through the services with the
refusals shown next to their field, and the lists' query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.models import AuditRecord
from shuniu.procurement.models import (
    Award,
    Contract,
    Deliverable,
    Evaluation,
    Payment,
    Purchase,
    RefusedAttempt,
    ServiceReport,
    StatusChange,
)
from shuniu.procurement.services import report_submit
from shuniu.registry.models import Support
from tests.factories_procurement_buy import purchase
from tests.factories_pweb import signed, world
from tests.web.workspace_helpers import logged_in

ROLES = ["anonymous", "staff", "other_staff", "evaluator", "other_officer", "officer", "admin"]


@pytest.fixture
def w(db):
    made = world()
    made.anonymous = AnonymousUser()
    return made


def client_for(w, role: str, language: str = "en") -> Client:
    return logged_in(None if role == "anonymous" else getattr(w, role), language)


def state():
    return (
        list(Purchase.objects.order_by("pk").values_list("pk", "status", "version")),
        Award.objects.count(),
        Contract.objects.count(),
        list(Payment.objects.order_by("pk").values_list("pk", "paid_on", "version")),
        list(ServiceReport.objects.order_by("pk").values_list("pk", "status", "version")),
        Evaluation.objects.count(),
        StatusChange.objects.count(),
        AuditRecord.objects.count(),
    )


def award_data(org, **extra):
    data = {"award-supplier": org.pk, "award-amount": "480000", "award-awarded_on": "2010-05-01"}
    data.update(extra)
    return data


# ---------------------------------------------------------------------------------------
# Who may open and post what


# role: list GET, new GET, purchase GET, award POST (an eligible supplier)
EXPECTED = {
    "anonymous": (302, 302, 302, 302),
    "staff": (403, 403, 403, 403),
    "other_staff": (403, 403, 403, 403),
    "evaluator": (403, 403, 403, 403),
    "other_officer": (200, 200, 404, 404),
    "officer": (200, 200, 200, 302),
    "admin": (200, 200, 200, 302),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_purchasing_pages_and_award(w, role):
    # given a purchase in planning bought by a Dongcheng buyer
    client = client_for(w, role)
    base = f"/workspace/purchases/{w.purchase.pk}/"
    # when each side opens the pages and posts an award to an eligible supplier
    got = [
        client.get("/workspace/purchases/").status_code,
        client.get("/workspace/purchases/new/").status_code,
        client.get(base).status_code,
    ]
    before = state()
    got.append(client.post(base + "award/", award_data(w.good)).status_code)
    # then only the buyer's officers and administrators get in and award
    assert tuple(got) == EXPECTED[role]
    if role not in ("officer", "admin"):
        assert state() == before
    else:
        assert Award.objects.get().supplier == w.good


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_the_delivery_forms(w, role):
    # given a signed contract with a submitted report on the first deliverable
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    report = report_submit(
        actor=w.staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 12, 31),
        submitted_on=dt.date(2011, 1, 5),
        lines=[{"deliverable": first.pk, "actual": "1000"}],
    )
    payment = contract.payments.order_by("position").first()
    base = f"/workspace/purchases/{w.purchase.pk}/"
    client = client_for(w, role)
    before = state()
    # when each side posts a status change, an acceptance, a release and an evaluator
    got = (
        client.post(
            base + "status/",
            {"status-version": w.purchase.version + 2, "status-status": "in_delivery",
             "status-date": "2010-06-01"},
        ).status_code,
        client.post(
            base + f"reports/{report.pk}/decide/",
            {f"report-{report.pk}-version": report.version,
             f"report-{report.pk}-decided_on": "2011-01-10",
             f"report-{report.pk}-decision": "accept"},
        ).status_code,
        client.post(
            base + f"payments/{payment.pk}/release/",
            {f"payment-{payment.pk}-version": payment.version,
             f"payment-{payment.pk}-paid_on": "2011-01-20"},
        ).status_code,
    )  # fmt: skip
    # then only the buyer's side writes; the others change nothing
    expected = {
        "anonymous": (302, 302, 302),
        "staff": (403, 403, 403),
        "other_staff": (403, 403, 403),
        "evaluator": (403, 403, 403),
        "other_officer": (404, 404, 404),
    }
    if role in expected:
        assert got == expected[role]
        assert state() == before
    else:
        assert got[1:] == (302, 302)
        assert Payment.objects.get(pk=payment.pk).paid_on == dt.date(2011, 1, 20)


def test_another_districts_purchases_are_not_listed(w):
    # given a Chaoyang officer
    client = client_for(w, "other_officer")
    # when they open their purchases
    response = client.get("/workspace/purchases/")
    # then Dongcheng's purchase is not among them
    assert response.context["count"] == 0
    assert w.purchase.title not in response.content.decode()


# ---------------------------------------------------------------------------------------
# A new purchase


def test_the_new_purchase_form_ticks_the_default_rules_and_offers_the_buyers(w):
    # when the Dongcheng officer opens the form
    form = client_for(w, "officer").get("/workspace/purchases/new/").context["form"]
    # then the default rules are ticked and the buyer is the only government body offered
    assert form.initial["rules"] == [
        "not_registered",
        "inspection_failed",
        "on_credit_list",
        "barred_by_evaluation",
    ]
    assert [c for c, _label in form.fields["buyer"].choices] == ["", str(w.buyer.pk)]


def test_an_officer_opens_a_purchase_through_the_form(w):
    client = client_for(w, "officer")
    # when the officer opens a purchase with a minimum grade
    response = client.post(
        "/workspace/purchases/new/",
        {
            "buyer": w.buyer.pk,
            "region": "110101",
            "kind": "service",
            "method": "invited",
            "title": "东城区老年社工服务",
            "budget": "300000",
            "planned_on": "2011-02-01",
            "rules": ["not_registered", "inspection_failed"],
            "min_grade": "3A",
        },
    )
    # then it is made by the service with those rules, and the officer sees its page
    made = Purchase.objects.get(title="东城区老年社工服务")
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/purchases/{made.pk}/"
    assert made.method == "invited"
    assert made.budget == Decimal("300000.00")
    assert sorted(made.rules.values_list("code", "grade")) == [
        ("grade_below_minimum", "3A"),
        ("inspection_failed", ""),
        ("not_registered", ""),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_bad_purchase_names_the_field_and_writes_nothing(w, language):
    client = client_for(w, "officer", language)
    before = state()
    # when the officer leaves the title out and types a negative budget
    response = client.post(
        "/workspace/purchases/new/",
        {"buyer": w.buyer.pk, "region": "110101", "kind": "service", "method": "open",
         "title": "", "budget": "-5", "planned_on": "2011-02-01"},
    )  # fmt: skip
    # then the page says so next to each field, in the user's language, and writes nothing
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"title", "budget"}
    html = response.content.decode()
    assert 'id="title-errors"' in html
    assert ("This field is required." in html) == (language == "en")
    assert ("这个字段是必填项。" in html) == (language == "zh-hans")
    assert state() == before


def test_a_buyer_outside_the_jurisdiction_is_not_offered(w):
    # given a Chaoyang buyer
    from tests.factories_procurement import government

    other = government("110105")
    before = state()
    # when the Dongcheng officer posts it anyway
    response = client_for(w, "officer").post(
        "/workspace/purchases/new/",
        {"buyer": other.pk, "region": "110101", "kind": "service", "method": "open",
         "title": "越权", "budget": "1", "planned_on": "2011-02-01"},
    )  # fmt: skip
    # then the choice is refused and nothing is written
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["buyer"]
    assert state() == before


# ---------------------------------------------------------------------------------------
# Award, contract, reports, payments, evaluators


def test_a_refused_award_lists_every_failed_rule_and_then_offers_the_override(w):
    client = client_for(w, "officer")
    page = f"/workspace/purchases/{w.purchase.pk}/"
    # the override field is not offered before a refusal
    assert "award-override_reason" not in client.get(page).content.decode()
    # when the officer awards to the agency whose 2009 inspection failed
    response = client.post(page + "award/", award_data(w.failed))
    # then the refusal names the rule with its code, only the refusal is kept
    assert response.status_code == 400
    assert response.context["award_form"].failures == [
        (
            "inspection_failed",
            "last year's annual inspection passed",
            "2009 annual inspection: failed.",
        )
    ]
    html = response.content.decode()
    assert "<code>inspection_failed</code>" in html
    assert 'name="award-override_reason"' in html
    assert Award.objects.count() == 0
    assert list(RefusedAttempt.objects.values_list("code", flat=True)) == ["ineligible_award"]
    # when the officer overrides with a reason
    response = client.post(
        page + "award/", award_data(w.failed, **{"award-override_reason": "唯一的服务机构"})
    )
    # then the award is made, the reason stored and the purchase flagged
    assert response.status_code == 302
    assert Award.objects.get().override_reason == "唯一的服务机构"
    assert "award_override" in client.get(page).content.decode()


def test_the_contract_form_signs_with_rows_and_names_a_bad_row(w):
    client = client_for(w, "officer")
    client.post(f"/workspace/purchases/{w.purchase.pk}/award/", award_data(w.good))
    url = f"/workspace/purchases/{w.purchase.pk}/contract/"
    data = {
        "contract-signed_on": "2010-05-15",
        "contract-starts_on": "2010-06-01",
        "contract-ends_on": "2011-05-31",
        "contract-amount": "480000",
        "d0-kind": "service_hours",
        "d0-description": "服务时数",
        "d0-planned": "1000",
        "d0-due_on": "2010-12-31",
        "d1-kind": "outcome",
        "d1-description": "互助网络",
        "d1-due_on": "2011-05-31",
        "p0-amount": "240000",
        "p0-deliverable": "1",
        "p1-amount": "240000",
        "p1-deliverable": "",
    }
    before = state()
    # when the second payment names no deliverable
    response = client.post(url, data)
    # then the error is next to that row's input and nothing is signed
    assert response.status_code == 400
    rows = response.context["contract_forms"][2]
    assert list(rows[1].errors) == ["deliverable"]
    assert state() == before
    # when it names the second deliverable
    response = client.post(url, {**data, "p1-deliverable": "2"})
    # then the contract is signed with two deliverables and two payments
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert list(contract.payments.order_by("position").values_list("deliverable__position")) == [
        (0,),
        (1,),
    ]


def test_payments_wait_for_their_deliverable_and_reports_are_accepted(w):
    contract = signed(w)
    first, second = contract.deliverables.order_by("position")
    pay1, pay2 = contract.payments.order_by("position")
    report = report_submit(
        actor=w.staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 12, 31),
        submitted_on=dt.date(2011, 1, 5),
        lines=[{"deliverable": first.pk, "actual": "1000"}],
    )
    client = client_for(w, "officer")
    base = f"/workspace/purchases/{w.purchase.pk}/"

    def release(payment):
        payment.refresh_from_db()
        return client.post(
            base + f"payments/{payment.pk}/release/",
            {f"payment-{payment.pk}-version": payment.version,
             f"payment-{payment.pk}-paid_on": "2011-01-20"},
        )  # fmt: skip

    # when the first payment is released before the report is accepted
    response = release(pay1)
    # then it is refused, saying the deliverable is not accepted
    assert response.status_code == 400
    assert "it is not accepted yet" in response.content.decode()
    # when the officer accepts the report with a comment
    response = client.post(
        base + f"reports/{report.pk}/decide/",
        {f"report-{report.pk}-version": report.version,
         f"report-{report.pk}-decided_on": "2011-01-10",
         f"report-{report.pk}-comment": "完成良好", f"report-{report.pk}-decision": "accept"},
    )  # fmt: skip
    assert response.status_code == 302
    # then the first payment is released and the second still waits
    assert release(pay1).status_code == 302
    assert release(pay2).status_code == 400
    assert Deliverable.objects.get(pk=second.pk).accepted_on is None
    assert list(Payment.objects.order_by("position").values_list("paid_on", flat=True)) == [
        dt.date(2011, 1, 20),
        None,
    ]


def test_a_stale_report_decision_is_refused_and_changes_nothing(w):
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    report = report_submit(
        actor=w.staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 12, 31),
        submitted_on=dt.date(2011, 1, 5),
        lines=[{"deliverable": first.pk, "actual": "1000"}],
    )
    before = state()
    # when the officer decides on an old version
    response = client_for(w, "officer").post(
        f"/workspace/purchases/{w.purchase.pk}/reports/{report.pk}/decide/",
        {f"report-{report.pk}-version": report.version + 5,
         f"report-{report.pk}-decided_on": "2011-01-10", f"report-{report.pk}-decision": "return",
         f"report-{report.pk}-comment": "补充材料"},
    )  # fmt: skip
    # then the page says someone changed it meanwhile
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert state() == before


def test_a_conflicted_evaluator_is_refused_naming_the_conflict(w):
    contract = signed(w)
    Support.objects.create(
        giver=w.institution, receiver=w.good, kind="funds", starts_on=dt.date(2010, 1, 1)
    )
    client = client_for(w, "officer", "zh-hans")
    url = f"/workspace/purchases/{w.purchase.pk}/evaluators/"
    data = {
        "evaluator-evaluator": w.institution.pk,
        "evaluator-stage": "final",
        "evaluator-assigned_on": "2011-05-01",
    }
    # when the officer assigns an institution that supported the supplier
    response = client.post(url, data)
    # then the refusal names the conflict in Chinese and no evaluation is made
    assert response.status_code == 400
    assert "evaluator" in response.context["evaluator_form"].errors
    assert "评估机构与承接方在合同期内存在扶持关系。" in response.content.decode()
    assert Evaluation.objects.count() == 0
    # when the support is gone, the same institution is assigned
    Support.objects.all().delete()
    assert client.post(url, data).status_code == 302
    assert Evaluation.objects.get().contract == contract


# ---------------------------------------------------------------------------------------
# The agency's contracts


# role: list GET, contract GET, report POST
AGENCY = {
    "anonymous": (302, 302, 302),
    "staff": (200, 200, 302),
    "other_staff": (200, 404, 404),
    "evaluator": (403, 404, 404),
    "other_officer": (403, 404, 404),
    "officer": (403, 200, 403),
    "admin": (403, 200, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_a_contract_and_report_on_it(w, role):
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    client = client_for(w, role)
    before = state()
    got = (
        client.get("/workspace/contracts/").status_code,
        client.get(f"/workspace/contracts/{contract.pk}/").status_code,
        client.post(
            f"/workspace/contracts/{contract.pk}/",
            {"period_start": "2010-06-01", "period_end": "2010-12-31",
             "submitted_on": "2011-01-05", f"actual-{first.pk}": "900"},
        ).status_code,
    )  # fmt: skip
    assert got == AGENCY[role]
    if role == "staff":
        line = ServiceReport.objects.get().lines.get()
        assert (line.deliverable_id, line.actual) == (first.pk, Decimal("900.00"))
    else:
        assert state() == before


def test_agency_staff_see_only_their_organizations_contracts(w):
    contract = signed(w)
    listed = client_for(w, "staff").get("/workspace/contracts/").context["rows"]
    other = client_for(w, "other_staff").get("/workspace/contracts/").context["rows"]
    assert [c.pk for c in listed] == [contract.pk]
    assert other == []


def test_a_returned_report_shows_the_officers_comment_to_the_agency(w):
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    report = report_submit(
        actor=w.staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 12, 31),
        submitted_on=dt.date(2011, 1, 5),
        lines=[{"deliverable": first.pk, "actual": "800"}],
    )
    client_for(w, "officer").post(
        f"/workspace/purchases/{w.purchase.pk}/reports/{report.pk}/decide/",
        {f"report-{report.pk}-version": report.version,
         f"report-{report.pk}-decided_on": "2011-01-10", f"report-{report.pk}-decision": "return",
         f"report-{report.pk}-comment": "请补充服务记录"},
    )  # fmt: skip
    html = client_for(w, "staff").get(f"/workspace/contracts/{contract.pk}/").content.decode()
    assert "请补充服务记录" in html
    assert "report-returned" in html


def test_a_report_line_error_is_shown_next_to_its_deliverable(w):
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    before = state()
    # when the period ends before it starts
    response = client_for(w, "staff").post(
        f"/workspace/contracts/{contract.pk}/",
        {"period_start": "2010-12-31", "period_end": "2010-06-01",
         "submitted_on": "2011-01-05", f"actual-{first.pk}": "900"},
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["period_end"]
    assert state() == before


# ---------------------------------------------------------------------------------------
# The workspace home for every role


@pytest.mark.parametrize(
    ("role", "status", "shown"),
    [
        ("anonymous", 302, None),
        ("staff", 200, "home-contracts"),
        ("evaluator", 200, "home-evaluations"),
        ("officer", 200, "purchasing-card"),
        ("admin", 200, "purchasing-card"),
    ],
)
def test_the_workspace_home_serves_every_role(w, role, status, shown):
    response = client_for(w, role).get("/workspace/")
    assert response.status_code == status
    if shown:
        html = response.content.decode()
        assert f'id="{shown}"' in html
        assert ('href="/workspace/import/"' in html) == (role in ("officer", "admin"))


def test_a_user_without_a_role_is_still_refused_the_workspace(w):
    from tests.factories_procurement_eval import user

    response = logged_in(user("nobody")).get("/workspace/")
    assert response.status_code == 403


def test_the_home_counts_reports_to_accept_and_payments_ready(w):
    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    report_submit(
        actor=w.staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 12, 31),
        submitted_on=dt.date(2011, 1, 5),
        lines=[{"deliverable": first.pk, "actual": "1000"}],
    )
    response = client_for(w, "officer").get("/workspace/")
    waiting = response.context["purchasing"]
    assert (waiting.reports_to_accept, waiting.payments_ready) == (1, 0)
    assert 'id="waiting-purchase-reports"' in response.content.decode()


# ---------------------------------------------------------------------------------------
# Query counts


def test_the_purchase_list_reads_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    client = client_for(w, "officer")
    client.get("/workspace/purchases/")  # warm the session and caches
    for n in range(12):
        purchase(w.officer, w.buyer, title=f"采购{n}")
    with django_assert_max_num_queries(18):
        response = client.get("/workspace/purchases/")
    assert response.context["count"] == 13


def test_the_contract_list_reads_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    signed(w)
    for _n in range(5):
        other = purchase(w.officer, w.buyer)
        w.purchase = other
        signed(w)
    client = client_for(w, "staff")
    with django_assert_max_num_queries(10):
        response = client.get("/workspace/contracts/")
    assert len(response.context["rows"]) == 6


def test_an_eligible_supplier_is_offered_in_the_picker(w):
    form = (
        client_for(w, "officer").get(f"/workspace/purchases/{w.purchase.pk}/").context["award_form"]
    )
    offered = {c for c, _label in form.fields["supplier"].choices}
    assert {str(w.good.pk), str(w.failed.pk)} <= offered
    assert str(w.buyer.pk) not in offered


def test_what_waits_counts_each_thing_once(w):
    # given a refused award then an override on a second purchase, and a contract whose two
    # reports were submitted, one of them accepted (its payment ready)
    from shuniu.procurement.selectors import purchasing_waiting
    from shuniu.procurement.services import award_create, report_accept

    second = purchase(w.officer, w.buyer, title="第二个采购")
    client = client_for(w, "officer")
    client.post(f"/workspace/purchases/{second.pk}/award/", award_data(w.failed))
    award_create(
        actor=w.officer,
        purchase=second,
        supplier=w.failed,
        amount=Decimal("1000"),
        awarded_on=dt.date(2010, 5, 1),
        override_reason="唯一机构",
    )
    contract = signed(w)
    first, outcome = contract.deliverables.order_by("position")
    reports = [
        report_submit(
            actor=w.staff,
            contract=contract,
            period_start=start,
            period_end=end,
            submitted_on=end,
            lines=[line],
        )
        for start, end, line in [
            (dt.date(2010, 6, 1), dt.date(2010, 12, 31), {"deliverable": first.pk, "actual": "9"}),
            (dt.date(2011, 1, 1), dt.date(2011, 5, 31), {"deliverable": outcome.pk, "text": "好"}),
        ]
    ]
    report_accept(actor=w.officer, report=reports[0], decided_on=dt.date(2011, 1, 10), version=1)
    # when the officer's waiting counts are read
    waiting = purchasing_waiting(actor=w.officer)
    # then each is counted once, and a Chaoyang officer has none of them
    assert (
        waiting.reports_to_accept,
        waiting.payments_ready,
        waiting.awards_refused,
        waiting.awards_overridden,
        waiting.flagged,
    ) == (1, 1, 1, 1, 1)
    other = purchasing_waiting(actor=w.other_officer)
    assert (other.reports_to_accept, other.payments_ready, other.awards_refused) == (0, 0, 0)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    budget=st.one_of(
        st.text(max_size=20),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(-(10**16), 10**16).map(str),
    ),
    planned_on=st.one_of(st.text(max_size=12), st.dates().map(dt.date.isoformat)),
    title=st.text(max_size=250),
)
def test_whatever_is_typed_in_a_new_purchase_is_saved_clean_or_refused(
    w, budget, planned_on, title
):
    client = client_for(w, "officer")
    before = state()
    # when the officer types anything in the budget, the date and the title
    response = client.post(
        "/workspace/purchases/new/",
        {"buyer": w.buyer.pk, "region": "110101", "kind": "service", "method": "open",
         "title": title, "budget": budget, "planned_on": planned_on},
    )  # fmt: skip
    # then the purchase is either made as typed or refused naming the fields, never a 500
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert response.context["form"].errors
        assert state() == before
    else:
        made = Purchase.objects.order_by("-pk").first()
        assert made.budget == Decimal(budget.strip())
        assert made.planned_on == dt.date.fromisoformat(planned_on.strip())
        made.delete()


# ---------------------------------------------------------------------------------------
# Posts


@pytest.mark.parametrize("role", ["anonymous", "other_officer", "officer"])
def test_an_officer_adds_posts_and_assigns_a_person_they_may_see(db, role):
    from shuniu.procurement.models import Kind, Post, PostAssignment
    from tests.factories_procurement_deliver import buyer_officer, other_officer
    from tests.factories_procurement_deliver import signed as signed_contract
    from tests.workforce.factories import employ, make_certified

    # given a Xicheng post purchase's contract and an intermediate social worker of its supplier
    officer = buyer_officer()
    contract = signed_contract(officer, kind=Kind.POST)
    person = make_certified(level="intermediate", issued_on=dt.date(2010, 1, 1))
    employ(person, contract.purchase.award.supplier, starts_on=dt.date(2010, 1, 1))
    users = {"anonymous": None, "other_officer": other_officer(), "officer": officer}
    client = logged_in(users[role])
    base = f"/workspace/purchases/{contract.purchase_id}/"
    # when the user adds two posts
    added = client.post(
        base + "posts/",
        {"post-title": "社区社工岗位", "post-count": "2", "post-required_level": "2",
         "post-monthly_salary": "3500"},
    )  # fmt: skip
    if role != "officer":
        # then only the buyer's officer may; nothing is written
        assert added.status_code == {"anonymous": 302, "other_officer": 404}[role]
        assert Post.objects.count() == 0
        return
    assert added.status_code == 302
    post = Post.objects.get()
    # the picker shows the person as the workforce pages do: name, masked number, birth year
    page = client.get(base)
    form = page.context["posts"][0][1]
    label = dict(form.fields["person"].choices)[str(person.pk)]
    assert label == f"{person.name} ({person.id_shown}, {person.birth_year})"
    assert person.id_shown in page.content.decode()
    # when the officer assigns the person from 2010-07-01
    response = client.post(
        base + f"posts/{post.pk}/assign/",
        {f"assign-{post.pk}-person": person.pk, f"assign-{post.pk}-starts_on": "2010-07-01"},
    )
    # then the assignment is made
    assert response.status_code == 302
    assert list(PostAssignment.objects.values_list("person_id", "starts_on")) == [
        (person.pk, dt.date(2010, 7, 1))
    ]


def test_a_person_without_the_required_level_is_refused_next_to_the_picker(db):
    from shuniu.procurement.models import Kind, PostAssignment
    from shuniu.procurement.services import post_add
    from tests.factories_procurement_deliver import buyer_officer
    from tests.factories_procurement_deliver import signed as signed_contract
    from tests.workforce.factories import employ, make_certified

    officer = buyer_officer()
    contract = signed_contract(officer, kind=Kind.POST)
    post = post_add(
        actor=officer,
        contract=contract,
        title="督导岗位",
        count=1,
        required_level=3,
        monthly_salary=Decimal("6000"),
    )
    junior = make_certified(level="junior", issued_on=dt.date(2010, 1, 1))
    employ(junior, contract.purchase.award.supplier, starts_on=dt.date(2010, 1, 1))
    response = logged_in(officer).post(
        f"/workspace/purchases/{contract.purchase_id}/posts/{post.pk}/assign/",
        {f"assign-{post.pk}-person": junior.pk, f"assign-{post.pk}-starts_on": "2010-07-01"},
    )
    assert response.status_code == 400
    form = response.context["posts"][0][1]
    assert list(form.errors) == ["person"]
    assert PostAssignment.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "linked"),
    [("anonymous", False), ("staff", False), ("other_officer", False), ("officer", True)],
)
def test_the_public_purchase_page_links_the_buyers_officers_to_their_actions(w, role, linked):
    # when each side opens the public page of the purchase
    html = client_for(w, role).get(f"/purchasing/purchases/{w.purchase.pk}/").content.decode()
    # then only the buyer's officers get the link, and nobody gets a form
    assert ('id="workspace-link"' in html) == linked
    assert 'id="award-form"' not in html


def test_the_officers_purchase_page_reads_as_many_queries_for_one_report_as_for_three(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract = signed(w)
    first = contract.deliverables.order_by("position").first()
    client = client_for(w, "officer")
    url = f"/workspace/purchases/{w.purchase.pk}/"
    counts = []
    for month in (6, 8, 10):
        report_submit(
            actor=w.staff,
            contract=contract,
            period_start=dt.date(2010, month, 1),
            period_end=dt.date(2010, month + 1, 28),
            submitted_on=dt.date(2010, month + 2, 1),
            lines=[{"deliverable": first.pk, "actual": "10"}],
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    # then the page's reads do not grow with the reports (30 on SQLite, 34 on PostgreSQL)
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 40
