"""Issue 8's purchasing journey in chromium: an officer opens a purchase, is refused an award
to an agency whose last inspection failed (the rule named), awards it to an eligible one and
signs a contract with two deliverables and two payments; the agency reports; the officer
accepts and releases the first payment while the second waits for its deliverable; a
conflicted evaluator is refused, an unconflicted one grades the contract ``fail``; the
buyer's next award to that supplier is refused; the dashboard shows the figures after the
award and not before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from shuniu.procurement.models import Contract, Evaluation, Payment, Purchase
from shuniu.registry.models import Support
from tests.factories_pweb import world


def log_in(page, live_server, user) -> None:
    """Hand the browser a session made on the server (the login page has its own tests)."""
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def w(transactional_db):
    made = world()
    # the purchase the world opened through the service is not the journey's: drop it
    Purchase.objects.all().delete()
    # an evaluation institution that funded the good agency in 2010: a conflict
    made.conflicted = made.institution
    from tests.factories_procurement_eval import evaluation_institution

    made.clean_institution = evaluation_institution("北京独立评估所")
    Support.objects.create(
        giver=made.conflicted, receiver=made.good, kind="funds", starts_on=dt.date(2010, 1, 1)
    )
    from shuniu.accounts.models import Role
    from tests.factories_procurement_eval import user

    made.evaluator = user("clean-evaluator", Role.EVALUATOR, organization=made.clean_institution)
    return made


def figure(page, base: str, as_of: str, name: str) -> str:
    page.goto(f"{base}/purchasing/?region=110000&as_of={as_of}")
    return page.locator(f"#figure-{name}").inner_text().strip().replace(",", "")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_purchasing_journey(live_server, page, w, artifacts):
    base = live_server.url
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(artifacts / f"purchasing-{name}.png"), full_page=True
    )
    # before anything: the dashboard of 2010-12-31 shows nothing contracted
    assert figure(page, base, "2010-12-31", "contracted") == "0.00"

    # -- the officer opens a purchase ------------------------------------------------------
    log_in(page, live_server, w.officer)
    page.goto(base + "/workspace/purchases/new/")
    page.select_option("#id_buyer", value=str(w.buyer.pk))
    page.select_option("#id_region", "110101")
    page.fill("#id_title", "东城区青少年社工服务项目")
    page.select_option("#id_method", "open")
    page.fill("#id_budget", "500000")
    page.fill("#id_planned_on", "2010-03-01")
    assert page.is_checked("input[name=rules][value=inspection_failed]")
    shot("new")
    submit(page, "#purchase-form button[type=submit]")
    purchase = Purchase.objects.get()
    assert page.url.endswith(f"/workspace/purchases/{purchase.pk}/")

    # -- an award to the agency whose 2009 inspection failed is refused, the rule named ----
    page.select_option("#id_award-supplier", value=str(w.failed.pk))
    page.fill("#id_award-amount", "480000")
    page.fill("#id_award-awarded_on", "2010-05-01")
    submit(page, "#award-form button[type=submit]")
    refused = page.locator("#award-refused")
    assert refused.locator("code").all_inner_texts() == ["inspection_failed"]
    assert page.locator("#id_award-override_reason").is_visible()
    shot("award-refused")

    # -- awarded to the eligible one -------------------------------------------------------
    page.select_option("#id_award-supplier", value=str(w.good.pk))
    page.fill("#id_award-amount", "480000")
    page.fill("#id_award-awarded_on", "2010-05-01")
    submit(page, "#award-form button[type=submit]")
    assert "东城助人社工事务所" in page.locator("#award").inner_text()

    # -- the contract: two deliverables, two payments --------------------------------------
    for field, value in {
        "contract-number": "DC-2010-01",
        "contract-amount": "480000",
        "contract-signed_on": "2010-05-15",
        "contract-starts_on": "2010-06-01",
        "contract-ends_on": "2011-05-31",
        "d0-description": "服务时数",
        "d0-planned": "1000",
        "d0-due_on": "2010-12-31",
        "d1-description": "建立社区互助网络",
        "d1-due_on": "2011-05-31",
        "p0-amount": "240000",
        "p1-amount": "240000",
    }.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_d0-kind", "service_hours")
    page.select_option("#id_d1-kind", "outcome")
    page.select_option("#id_p0-deliverable", value="1")
    page.select_option("#id_p1-deliverable", value="2")
    shot("contract-form")
    submit(page, "#contract-form button[type=submit]")
    contract = Contract.objects.get()
    assert page.locator("#deliverables tbody tr").count() == 2
    first, second = contract.deliverables.order_by("position")
    pay1, pay2 = contract.payments.order_by("position")

    # -- agency staff report on the first deliverable --------------------------------------
    log_in(page, live_server, w.staff)
    page.goto(base + "/workspace/")
    page.click(f"#home-contracts a[href='/workspace/contracts/{contract.pk}/']")
    page.fill("#id_period_start", "2010-06-01")
    page.fill("#id_period_end", "2010-12-31")
    page.fill("#id_submitted_on", "2011-01-05")
    page.fill(f"#id_actual-{first.pk}", "1000")
    shot("agency-report")
    submit(page, "#report-form button[type=submit]")
    assert page.locator("#reports .report-submitted").count() == 1
    report = contract.reports.get()

    # -- the officer accepts it and releases the first payment; the second waits ---------
    log_in(page, live_server, w.officer)
    page.goto(base + "/workspace/")
    assert page.locator("#waiting-purchase-reports .badge").inner_text() == "1"
    page.goto(f"{base}/workspace/purchases/{purchase.pk}/")
    page.fill(f"#id_report-{report.pk}-decided_on", "2011-01-10")
    page.fill(f"#id_report-{report.pk}-comment", "服务时数达标")
    submit(page, f"#report-{report.pk} button[value=accept]")
    for payment in (pay1, pay2):
        page.fill(f"#id_payment-{payment.pk}-paid_on", "2011-01-20")
        submit(page, f"form[action$='/payments/{payment.pk}/release/'] button")
    errors = page.locator(f"form[action$='/payments/{pay2.pk}/release/'] .invalid-feedback")
    assert "建立社区互助网络" in errors.inner_text()
    shot("payment-refused")
    paid = dict(Payment.objects.values_list("pk", "paid_on"))
    assert paid == {pay1.pk: dt.date(2011, 1, 20), pay2.pk: None}

    # -- until the agency reports the outcome and the officer accepts it -------------------
    log_in(page, live_server, w.staff)
    page.goto(f"{base}/workspace/contracts/{contract.pk}/")
    page.fill("#id_period_start", "2011-01-01")
    page.fill("#id_period_end", "2011-05-31")
    page.fill("#id_submitted_on", "2011-05-20")
    page.fill(f"#id_text-{second.pk}", "建成 3 个楼门互助小组")
    submit(page, "#report-form button[type=submit]")
    outcome = contract.reports.get(period_start=dt.date(2011, 1, 1))
    log_in(page, live_server, w.officer)
    page.goto(f"{base}/workspace/purchases/{purchase.pk}/")
    page.fill(f"#id_report-{outcome.pk}-decided_on", "2011-05-25")
    submit(page, f"#report-{outcome.pk} button[value=accept]")
    page.fill(f"#id_payment-{pay2.pk}-paid_on", "2011-05-28")
    submit(page, f"form[action$='/payments/{pay2.pk}/release/'] button")
    assert Payment.objects.get(pk=pay2.pk).paid_on == dt.date(2011, 5, 28)

    # -- a conflicted evaluator is refused, naming the conflict; a clean one is assigned ---
    page.select_option("#id_evaluator-evaluator", value=str(w.conflicted.pk))
    page.select_option("#id_evaluator-stage", "final")
    page.fill("#id_evaluator-assigned_on", "2011-05-01")
    submit(page, "#evaluator-form button[type=submit]")
    assert "扶持关系" in page.locator("#evaluations").inner_text()
    shot("evaluator-refused")
    page.select_option("#id_evaluator-evaluator", value=str(w.clean_institution.pk))
    page.select_option("#id_evaluator-stage", "final")
    page.fill("#id_evaluator-assigned_on", "2011-05-01")
    submit(page, "#evaluator-form button[type=submit]")
    evaluation = Evaluation.objects.get()
    assert evaluation.evaluator == w.clean_institution

    # -- the unconflicted evaluator scores it fail -----------------------------------------
    log_in(page, live_server, w.evaluator)
    page.goto(f"{base}/workspace/evaluations/{evaluation.pk}/")
    for box in page.locator("#scores-form input[name^=score-]").all():
        box.fill("0")
    submit(page, "#scores-form button[type=submit]")
    page.fill("#id_completed_on", "2011-06-15")
    submit(page, "#complete-form button[type=submit]")
    evaluation.refresh_from_db()
    assert evaluation.grade == "fail"
    shot("evaluation-fail")

    # -- the buyer's next award to that supplier is refused --------------------------------
    log_in(page, live_server, w.officer)
    page.goto(base + "/workspace/purchases/new/")
    page.select_option("#id_buyer", value=str(w.buyer.pk))
    page.select_option("#id_region", "110101")
    page.fill("#id_title", "东城区社区矫正社工服务项目")
    page.fill("#id_budget", "300000")
    page.fill("#id_planned_on", "2011-07-01")
    submit(page, "#purchase-form button[type=submit]")
    page.select_option("#id_award-supplier", value=str(w.good.pk))
    page.fill("#id_award-amount", "280000")
    page.fill("#id_award-awarded_on", "2011-08-01")
    submit(page, "#award-form button[type=submit]")
    assert page.locator("#award-refused code").all_inner_texts() == ["barred_by_evaluation"]
    shot("award-barred")
    page.goto(f"{base}/workspace/purchases/{purchase.pk}/")
    shot("purchase")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("purchase-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # -- the dashboard: the figures after the award, not before ----------------------------
    assert figure(page, base, "2010-04-30", "contracted") == "0.00"
    assert figure(page, base, "2011-02-01", "contracted") == "480000.00"
    assert page.locator("#figure-paid").inner_text().strip().replace(",", "") == "240000.00"
    assert figure(page, base, "2011-12-31", "paid") == "480000.00"
    assert figure(page, base, "2011-12-31", "service") == "1"  # the refused one is not counted
    shot("dashboard")
    # the refusals are 400 pages by design; nothing else went wrong in the browser
    assert [m for m in page.problems.messages if "400" not in m] == []
