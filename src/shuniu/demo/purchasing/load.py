"""Loading the purchasing plan through the procurement services, as production does: every
award is checked against the registry on its date, every payment against its accepted
deliverable, every evaluator against conflicts of interest, and every step is audited.

The buyer's steps are taken by the demo command's actor (an administrator); the supplier's
reports and the evaluator's scores by the demo accounts of the supplier's staff and of the
evaluation institution, since the services let nobody else take those steps. Idempotent:
a purchase is matched by (buyer, title, planned date) and a matched one is left as it is
(the whole plan loads in one transaction, so a purchase is either all there or not at all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import role_assign, user_create
from shuniu.core.actors import Actor
from shuniu.core.errors import ValidationError
from shuniu.demo.purchasing.plan import (
    EVALUATOR_ACCOUNTS,
    ORGANIZATIONS,
    PURCHASES,
    STAFF_ACCOUNTS,
    PostPlan,
    PurchasePlan,
)
from shuniu.divisions.models import Division
from shuniu.procurement.models import (
    Purchase,
    Status,
)
from shuniu.procurement.services import (
    award_create,
    contract_sign,
    evaluation_assign,
    evaluation_complete,
    evaluation_score,
    payment_release,
    post_add,
    post_assign,
    purchase_create,
    purchase_status_set,
    report_accept,
    report_return,
    report_submit,
)
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_register
from shuniu.workforce.models import Certificate

STEPS = 1


@dataclass
class PurchasingTally:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


class PlanError(Exception):
    """The plan asks for something the services refuse: a bug in the plan, not in the data."""


def purchasing_load(
    *,
    actor: Actor,
    orgs: dict[str, Organization],
    divisions: dict[str, Division],
    password: str,
    step: Callable[[], None] = lambda: None,
) -> PurchasingTally:
    """Load (or complete) the demo purchases; call inside the demo's transaction, after the
    registry and the workforce."""
    tally = PurchasingTally()
    known = dict(orgs)
    created = 0
    for spec in ORGANIZATIONS:
        org = Organization.objects.filter(
            name=spec.name, registrar_division=divisions[spec.division]
        ).first()
        if org is None:
            org = organization_register(
                actor=actor,
                name=spec.name,
                kind=spec.kind,
                registrar_division=divisions[spec.division],
                legal_form=spec.legal_form,
                uscc=spec.uscc,
                address=spec.address,
                service_fields=spec.service_fields,
                founded_on=spec.registered_on,
                registered_on=spec.registered_on,
                source=spec.source,
                synthetic=spec.synthetic,
            )
            created += 1
        known[spec.key] = org
    _count(tally, "purchasing_organizations", created, len(ORGANIZATIONS))

    accounts = _ensure_accounts(actor, known, password)
    _count(tally, "purchasing_users", accounts, len(STAFF_ACCOUNTS) + len(EVALUATOR_ACCOUNTS))

    made = 0
    for plan in PURCHASES:
        buyer = known[plan.buyer]
        if Purchase.objects.filter(
            buyer=buyer, title=plan.title, planned_on=plan.planned_on
        ).exists():
            continue
        try:
            _load_purchase(actor, plan, known, divisions)
        except ValidationError as exc:
            raise PlanError(f"{plan.key}: {exc.message_dict}") from exc
        made += 1
    _count(tally, "purchases", made, len(PURCHASES))
    step()
    return tally


def _count(tally: PurchasingTally, name: str, created: int, total: int) -> None:
    tally.created[name] = created
    tally.unchanged[name] = total - created


def _ensure_accounts(actor: Actor, known: dict[str, Organization], password: str) -> int:
    """The demo accounts and their roles for the plan's organizations; returns how many roles
    were given. An existing account keeps its password; a missing role is given back."""
    created = 0
    users = get_user_model().objects
    roles = ((Role.AGENCY_STAFF, STAFF_ACCOUNTS), (Role.EVALUATOR, EVALUATOR_ACCOUNTS))
    for role, accounts in roles:
        for username, key in accounts:
            organization = known[key]
            user = users.filter(username=username).first()
            if user is None:
                user_create(
                    actor=actor,
                    username=username,
                    password=password,
                    role=role,
                    organization_id=organization.pk,
                )
            elif not RoleAssignment.objects.filter(
                user=user, role=role, organization=organization
            ).exists():
                role_assign(actor=actor, user=user, role=role, organization_id=organization.pk)
            else:
                continue
            created += 1
    return created


def _user(username: str) -> User:
    user: User = get_user_model().objects.get(username=username)
    return user


def _load_purchase(
    actor: Actor, plan: PurchasePlan, known: dict[str, Organization], divisions: dict[str, Division]
) -> None:
    purchase = purchase_create(
        actor=actor,
        buyer=known[plan.buyer],
        region=divisions[plan.region],
        kind=plan.kind,
        title=plan.title,
        title_en=plan.title_en,
        budget=plan.budget,
        method=plan.method,
        planned_on=plan.planned_on,
        service_fields=plan.service_fields,
        rules=[dict(r) for r in plan.rules] if plan.rules is not None else None,
        source=plan.source,
        synthetic=plan.synthetic,
    )
    if plan.tendering_on is not None:
        purchase = purchase_status_set(
            actor=actor,
            purchase=purchase,
            status=Status.TENDERING,
            date=plan.tendering_on,
            version=purchase.version,
        )
    supplier_key, amount, awarded_on = plan.award
    for refused_key, refused_on in plan.refused:
        try:
            award_create(
                actor=actor,
                purchase=purchase,
                supplier=known[refused_key],
                amount=amount,
                awarded_on=refused_on,
            )
        except ValidationError as exc:
            if set(exc.message_dict) == {"supplier"}:
                continue  # refused by the rules, as planned: the service kept the attempt
            raise
        raise PlanError(f"{plan.key}: the award to {refused_key} was meant to be refused")
    award_create(
        actor=actor,
        purchase=purchase,
        supplier=known[supplier_key],
        amount=amount,
        awarded_on=awarded_on,
        override_reason=plan.override_reason,
        bids=[{"bidder": known[k], "amount": a} for k, a in plan.bids],
    )
    if plan.contract is None:
        return
    c = plan.contract
    contract = contract_sign(
        actor=actor,
        purchase=purchase,
        signed_on=c.signed_on,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        amount=c.amount,
        number=c.number,
        deliverables=[
            {"kind": x.kind, "description": x.description, "planned": x.planned, "due_on": x.due_on}
            for x in c.deliverables
        ],
        payments=[{"amount": a, "deliverable": i} for a, i in c.payments],
    )
    for post_plan in plan.posts:
        post = post_add(
            actor=actor,
            contract=contract,
            title=post_plan.title,
            count=post_plan.count,
            required_level=post_plan.level,
            monthly_salary=post_plan.monthly_salary,
        )
        # Filled from the term's start to its end (``ends_on`` is exclusive).
        until = c.ends_on + dt.timedelta(days=1)
        for person_id in _post_people(post_plan, c.starts_on):
            post_assign(
                actor=actor, post=post, person=person_id, starts_on=c.starts_on, ends_on=until
            )
    deliverables = list(contract.deliverables.order_by("position"))
    staff = _account(STAFF_ACCOUNTS, supplier_key) if plan.reports else None
    for report_plan in plan.reports:
        assert staff is not None
        report = report_submit(
            actor=staff,
            contract=contract,
            period_start=report_plan.period[0],
            period_end=report_plan.period[1],
            submitted_on=report_plan.submitted_on,
            lines=[
                {"deliverable": deliverables[i].pk, "actual": actual, "text": text}
                for i, actual, text in report_plan.lines
            ],
        )
        decide = report_accept if report_plan.accept else report_return
        decide(
            actor=actor,
            report=report,
            decided_on=report_plan.decided_on,
            comment=report_plan.comment,
            version=report.version,
        )
    payments = list(contract.payments.order_by("position"))
    for position, paid_on in plan.paid:
        payment = payments[position]
        payment.refresh_from_db()
        payment_release(actor=actor, payment=payment, paid_on=paid_on, version=payment.version)
    if plan.evaluation is not None:
        e = plan.evaluation
        evaluation = evaluation_assign(
            actor=actor,
            contract=contract,
            evaluator=known[e.evaluator],
            stage=e.stage,
            assigned_on=e.assigned_on,
        )
        scorer = _account(EVALUATOR_ACCOUNTS, e.evaluator)
        evaluation = evaluation_score(
            actor=scorer,
            evaluation=evaluation,
            scores={code: {"score": value} for code, value in e.scores.items()},
            version=evaluation.version,
        )
        evaluation_complete(
            actor=scorer,
            evaluation=evaluation,
            completed_on=e.completed_on,
            summary=e.summary,
            version=evaluation.version,
        )
    if plan.closed is not None:
        purchase.refresh_from_db()
        purchase_status_set(
            actor=actor,
            purchase=purchase,
            status=plan.closed[0],
            date=plan.closed[1],
            version=purchase.version,
        )


def _post_people(post: PostPlan, starts_on: dt.date) -> list[int]:
    """The first ``post.filled`` people (by certificate number) holding a certificate of the
    required level or above registered in ``post.city``, valid on ``starts_on``."""
    if not post.filled:
        return []
    rows = (
        Certificate.objects.filter(
            Q(registered_division__code=post.city) | Q(registered_division__parent__code=post.city),
            level__gte=post.level,
            issued_on__lte=starts_on,
            person__synthetic=True,
        )
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=starts_on))
        .order_by("number")
        .values_list("person_id", flat=True)
    )
    people = list(dict.fromkeys(rows))[: post.filled]
    if len(people) < post.filled:
        raise PlanError(f"only {len(people)} certified people for {post.filled} posts")
    return people


def _account(accounts: tuple[tuple[str, str], ...], key: str) -> User:
    """The demo account acting for the organization ``key``."""
    return _user(next(username for username, k in accounts if k == key))
