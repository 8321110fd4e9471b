"""Posts of a ``post`` purchase's contract and the certified people assigned to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import NotFound, ValidationError
from shuniu.procurement.models import Contract, Kind, Post, PostAssignment, Status
from shuniu.procurement.permissions import require_buyer_side
from shuniu.procurement.services._delivery_shared import (
    MAX_MONEY,
    Errors,
    add_error,
    date_of,
    decimal_of,
    locked_at,
    locked_for_buyer,
    raise_errors,
    text_of,
)
from shuniu.workforce.models import Certificate, Level, Person
from shuniu.workforce.selectors import person_in_scope

_OPEN = (Status.CONTRACTED, Status.IN_DELIVERY)
MAX_POSTS = 10000


def _term_end(contract: Contract) -> dt.date:
    """The last day the contract's posts are in force."""
    if contract.terminated_on is not None:
        return min(contract.ends_on, contract.terminated_on - dt.timedelta(days=1))
    return contract.ends_on


def post_add(
    *,
    actor: Actor,
    contract: Contract,
    title: str,
    count: Any,
    required_level: Any,
    monthly_salary: Any,
) -> Post:
    """Fund ``count`` posts of one title on a ``post`` purchase's contract, open to people
    certified at ``required_level`` (1 junior, 2 intermediate, 3 senior) or above."""
    require_buyer_side(actor, contract.purchase)
    with transaction.atomic():
        locked = locked_for_buyer(actor, contract.purchase_id)
        if locked.kind != Kind.POST:
            raise ValidationError(
                {"contract": _("Posts are funded only by a post purchase's contract.")}
            )
        if locked.status not in _OPEN:
            raise ValidationError(
                {
                    "contract": _(
                        "Posts are added while a contract is in force (the purchase is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        errors: Errors = {}
        name = text_of(title, field="title", errors=errors, max_length=100, required=True)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_POSTS:
            add_error(
                errors,
                "count",
                _("Give the number of posts, from 1 to %(max)s.") % {"max": MAX_POSTS},
            )
        levels = {choice.value for choice in Level}
        if isinstance(required_level, bool) or required_level not in levels:
            add_error(
                errors,
                "required_level",
                _("Choose a certificate level: 1 (junior), 2 (intermediate) or 3 (senior)."),
            )
        salary = decimal_of(
            monthly_salary, field="monthly_salary", errors=errors, maximum=MAX_MONEY, positive=True
        )
        raise_errors(errors)
        assert salary is not None
        post = Post(
            contract_id=contract.pk,
            title=name,
            count=count,
            required_level=required_level,
            monthly_salary=salary,
        )
        post.save()
        audit_write(
            actor=actor,
            action="post.add",
            instance=post,
            before=None,
            after=snapshot(post),
            division_code=locked.buyer.registrar_division.code,
        )
    return post


def _most_at_once(spans: list[tuple[dt.date, dt.date | None]], start: dt.date) -> int:
    """How many of ``spans`` (start, exclusive end or None) are in force together at most,
    on days from ``start`` on (they all overlap the new assignment already)."""
    points = {max(start, s) for s, _e in spans}
    return max(
        (sum(1 for s, e in spans if s <= day and (e is None or day < e)) for day in points),
        default=0,
    )


def post_assign(
    *,
    actor: Actor,
    post: Post,
    person: Person | int,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> PostAssignment:
    """Assign a certified person to one of a post row's positions from ``starts_on`` until
    ``ends_on`` (exclusive; None = until further notice). The person must be someone the
    caller may see, hold a certificate of the required level or above issued on or before
    ``starts_on`` and not revoked on it; within the contract's term; at most ``count`` people
    at once on the row; the same person never twice at once on the same contract. ``person``
    may be given by id (``person_id``): after the side check, someone the caller may not see
    is not found."""
    contract = post.contract
    require_buyer_side(actor, contract.purchase)
    pk = person if isinstance(person, int) else person.pk
    try:
        person = person_in_scope(actor=actor, pk=pk)
    except NotFound as exc:
        raise NotFound(f"person_id={pk}") from exc
    with transaction.atomic():
        locked = locked_for_buyer(actor, contract.purchase_id)
        current = Post.objects.select_for_update().select_related("contract").get(pk=post.pk)
        term = current.contract
        if locked.status not in _OPEN:
            raise ValidationError(
                {
                    "post": _(
                        "People are assigned while a contract is in force "
                        "(the purchase is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        errors: Errors = {}
        start = date_of(starts_on, field="starts_on", errors=errors)
        end = date_of(ends_on, field="ends_on", errors=errors, required=False)
        last = _term_end(term)
        if start is not None and not term.starts_on <= start <= last:
            add_error(
                errors,
                "starts_on",
                _("The assignment starts within the contract's term (%(start)s to %(end)s).")
                % {"start": term.starts_on.isoformat(), "end": last.isoformat()},
            )
        if end is not None and start is not None and end <= start:
            add_error(errors, "ends_on", _("The assignment ends after the day it starts."))
        elif end is not None and end > last + dt.timedelta(days=1):
            add_error(
                errors,
                "ends_on",
                _("The assignment ends by the end of the contract's term (%(end)s).")
                % {"end": (last + dt.timedelta(days=1)).isoformat()},
            )
        raise_errors(errors)
        assert start is not None
        level = Level(current.required_level)
        certified = Certificate.objects.filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=start),
            person=person,
            level__gte=current.required_level,
            issued_on__lte=start,
        ).exists()
        if not certified:
            add_error(
                errors,
                "person_id",
                _(
                    "%(person)s holds no valid certificate of level %(level)s (%(name)s) "
                    "or above on %(date)s."
                )
                % {
                    "person": person.name,
                    "level": int(level),
                    "name": level.label,
                    "date": start.isoformat(),
                },
            )
        overlapping = Q(starts_on__lt=end) if end is not None else Q()
        overlapping &= Q(ends_on__isnull=True) | Q(ends_on__gt=start)
        same_person = (
            PostAssignment.objects.filter(overlapping, post__contract=term, person=person)
            .order_by("starts_on")
            .first()
        )
        if same_person is not None:
            add_error(
                errors,
                "person_id",
                _("%(person)s already holds a post of this contract from %(date)s.")
                % {"person": person.name, "date": same_person.starts_on.isoformat()},
            )
        spans = list(
            PostAssignment.objects.filter(overlapping, post=current).values_list(
                "starts_on", "ends_on"
            )
        )
        if _most_at_once(spans, start) >= current.count:
            add_error(
                errors,
                "starts_on",
                _("All %(count)s posts of “%(title)s” are filled in this period.")
                % {"count": current.count, "title": current.title},
            )
        raise_errors(errors)
        assignment = PostAssignment(post=current, person=person, starts_on=start, ends_on=end)
        assignment.save()
        audit_write(
            actor=actor,
            action="post_assignment.add",
            instance=assignment,
            before=None,
            after=snapshot(assignment),
            division_code=locked.buyer.registrar_division.code,
        )
    return assignment


def post_assignment_end(
    *, actor: Actor, assignment: PostAssignment, ends_on: dt.date, version: int | None
) -> PostAssignment:
    """End an open assignment: ``ends_on`` is the first day the post is vacant again."""
    contract = assignment.post.contract
    require_buyer_side(actor, contract.purchase)
    with transaction.atomic():
        locked = locked_for_buyer(actor, contract.purchase_id)
        current = locked_at(
            PostAssignment.objects.select_related("post__contract"), assignment.pk, version
        )
        if current.ends_on is not None:
            raise ValidationError(
                {
                    "ends_on": _("This assignment already ends on %(date)s.")
                    % {"date": current.ends_on.isoformat()}
                }
            )
        errors: Errors = {}
        end = date_of(ends_on, field="ends_on", errors=errors)
        last = current.post.contract.ends_on + dt.timedelta(days=1)
        if end is not None and end <= current.starts_on:
            add_error(
                errors,
                "ends_on",
                _("The assignment ends after the day it starts (%(date)s).")
                % {"date": current.starts_on.isoformat()},
            )
        elif end is not None and end > last:
            add_error(
                errors,
                "ends_on",
                _("The assignment ends by the end of the contract's term (%(end)s).")
                % {"end": last.isoformat()},
            )
        raise_errors(errors)
        before = snapshot(current)
        current.ends_on = end
        current.version += 1
        current.save()
        audit_write(
            actor=actor,
            action="post_assignment.end",
            instance=current,
            before=before,
            after=snapshot(current),
            division_code=locked.buyer.registrar_division.code,
        )
    return current
