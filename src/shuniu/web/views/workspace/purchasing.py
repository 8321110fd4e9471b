"""The officer's purchasing workspace: the purchases they buy for (filters, pages, what
waits), a new purchase, and each purchase's page with the buyer's actions beside the parts
they act on (status, award, contract, payments, reports, evaluators).

Who sees what: officers and administrators (``officer_required``); the purchases listed and
opened are those the selectors scope to the buyer's side (another district's purchase is a
404 here, and stays public on ``/purchasing/``). Every form goes through a service, which
checks the same again; a refusal is shown next to the field it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shuniu.accounts.permissions import covered_division_ids
from shuniu.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from shuniu.core.replica import reads_primary
from shuniu.core.validation import MAX_PAGE, CleanCharField, RangeDateField
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.figures import public_purchase
from shuniu.procurement.models import (
    DEFAULT_RULES,
    Contract,
    Kind,
    Method,
    OutputKind,
    Payment,
    Post,
    Purchase,
    ReportStatus,
    Rule,
    ServiceReport,
    Stage,
    Status,
)
from shuniu.procurement.permissions import is_buyer_side
from shuniu.procurement.selectors import (
    PurchaseFilter,
    purchase_detail,
    purchase_list_buyer_side,
    purchasing_waiting,
    report_list,
)
from shuniu.procurement.services import (
    award_create,
    contract_sign,
    evaluation_assign,
    payment_release,
    post_add,
    post_assign,
    purchase_create,
    purchase_status_set,
    report_accept,
    report_return,
)
from shuniu.registry.models import Grade, Organization, ServiceField
from shuniu.registry.models import Kind as OrgKind
from shuniu.registry.selectors import OrganizationFilter, organization_list
from shuniu.web.forms import attach_service_errors, query_errors
from shuniu.web.names import place_name
from shuniu.web.paging import pager
from shuniu.web.views.workspace.access import forbidden, officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm
from shuniu.web.views.workspace.home import finder_regions
from shuniu.workforce.models import Level
from shuniu.workforce.selectors import PersonFilter, person_list

PER_PAGE = 25
PICKER_LIMIT = 200
CONTRACT_ROWS = 4
LIST_TEMPLATE = "web/workspace/purchasing/list.html"
NEW_TEMPLATE = "web/workspace/purchasing/new.html"
PAGE_TEMPLATE = "web/workspace/purchasing/purchase.html"
STALE = gettext_lazy("Someone changed this purchase meanwhile: reload the page and try again.")

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


# ---------------------------------------------------------------------------------------
# The list


class PurchaseListQuery(WorkspaceForm):
    q = CleanCharField(max_length=100, required=False, label=gettext_lazy("Title or OCID"))
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"))
    kind = forms.ChoiceField(required=False, label=gettext_lazy("Kind"))
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, label=gettext_lazy("Page")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(Status.choices)  # type: ignore[attr-defined]
        self.fields["kind"].choices = _blank(Kind.choices)  # type: ignore[attr-defined]
        self.style()


@require_safe
@officer_required
def purchase_list(request: HttpRequest) -> HttpResponse:
    query = PurchaseListQuery(request.GET)
    context: dict[str, Any] = {"query": query, "waiting": purchasing_waiting(actor=request.user)}
    if not query.is_valid():
        context.update(query_errors=query_errors(query), rows=[])
        return render(request, LIST_TEMPLATE, context, status=400)
    data = query.cleaned_data
    number = data["page"] or 1
    rows, count = purchase_list_buyer_side(
        actor=request.user,
        filters=PurchaseFilter(
            q=data["q"] or None, status=data["status"] or None, kind=data["kind"] or None
        ),
        offset=(number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    context.update(
        rows=[(p, place_name(p.region)) for p in rows],
        count=count,
        pager=pager(
            path=request.path,
            query=request.GET,
            number=number,
            count=count,
            per_page=PER_PAGE,
            shown=len(rows),
        ),
    )
    return render(request, LIST_TEMPLATE, context)


# ---------------------------------------------------------------------------------------
# A new purchase


def _buyers(user: Any, index: DivisionIndex) -> list[tuple[str, str]]:
    """The government bodies of the user's jurisdiction (everywhere for an administrator)."""
    found, _count = organization_list(
        actor=user,
        filters=OrganizationFilter(kind=OrgKind.GOVERNMENT),
        limit=PICKER_LIMIT,
        index=index,
    )
    covered = covered_division_ids(user, index)
    return [
        (str(org.pk), f"{org.name} ({place_name(org.district)})")
        for org in found
        if covered is None or org.registrar_division_id in covered
    ]


class PurchaseForm(WorkspaceForm):
    buyer = forms.ChoiceField(label=gettext_lazy("Buyer"))
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=Method.choices)
    title = CleanCharField(max_length=200, label=gettext_lazy("Title"))
    title_en = CleanCharField(max_length=255, required=False, label=gettext_lazy("English title"))
    budget = forms.DecimalField(
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        label=gettext_lazy("Budget (yuan)"),
    )
    planned_on = RangeDateField(label=gettext_lazy("Planned on"), widget=_DATE)
    rules = forms.MultipleChoiceField(
        required=False,
        label=gettext_lazy("Eligibility rules"),
        widget=forms.CheckboxSelectMultiple,
    )
    min_grade = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Evaluation grade at least (optional)"),
        choices=_blank(Grade.choices),
    )
    service_field = forms.ChoiceField(
        required=False, label=gettext_lazy("Required service field (optional)")
    )

    def __init__(
        self, *args: Any, buyers: list[tuple[str, str]], regions: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = _blank(buyers)  # type: ignore[attr-defined]
        self.fields["region"].choices = _blank(regions)  # type: ignore[attr-defined]
        self.fields["rules"].choices = [  # type: ignore[attr-defined]
            (c.value, c.label) for c in Rule if c not in (Rule.MIN_GRADE, Rule.SERVICE_FIELD)
        ]
        self.fields["service_field"].choices = _blank(  # type: ignore[attr-defined]
            [(f.code, f.name) for f in ServiceField.objects.order_by("code")]
        )
        if not self.is_bound:
            self.initial["rules"] = [str(code) for code in DEFAULT_RULES]
        self.style()

    def rule_rows(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        rows = [{"code": code} for code in data["rules"]]
        if data["min_grade"]:
            rows.append({"code": Rule.MIN_GRADE, "grade": data["min_grade"]})
        if data["service_field"]:
            rows.append({"code": Rule.SERVICE_FIELD, "service_field": data["service_field"]})
        return rows


def _region_choices(user: Any, index: DivisionIndex) -> list[Any]:
    return [c for c in finder_regions(user, index, timezone.localdate()) if c[0] != ""]


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def purchase_new(request: HttpRequest) -> HttpResponse:
    index = DivisionIndex.load()
    buyers = _buyers(request.user, index)
    regions = _region_choices(request.user, index)
    if request.method != "POST":
        form = PurchaseForm(buyers=buyers, regions=regions)
        return render(request, NEW_TEMPLATE, {"form": form})
    form = PurchaseForm(request.POST, buyers=buyers, regions=regions)
    if form.is_valid():
        data = form.cleaned_data
        buyer = Organization.objects.get(pk=int(data["buyer"]))
        region = Division.objects.current().get(code=data["region"])
        try:
            made = purchase_create(
                actor=request.user,
                buyer=buyer,
                region=region,
                kind=data["kind"],
                title=data["title"],
                title_en=data["title_en"],
                budget=data["budget"],
                method=data["method"],
                planned_on=data["planned_on"],
                service_fields=[data["service_field"]] if data["service_field"] else [],
                rules=form.rule_rows(),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Purchase opened: %(ocid)s.") % {"ocid": made.ocid})
            return redirect(reverse("web:workspace_purchase", args=[made.pk]))
    form.style()
    return render(request, NEW_TEMPLATE, {"form": form}, status=400)


# ---------------------------------------------------------------------------------------
# A purchase's page and its forms


class StatusForm(WorkspaceForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=Status.choices)
    date = RangeDateField(label=gettext_lazy("Date"), widget=_DATE)
    note = CleanCharField(max_length=255, required=False, label=gettext_lazy("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)
        self.style()


class AwardForm(WorkspaceForm):
    supplier = forms.ChoiceField(label=gettext_lazy("Supplier"))
    amount = forms.DecimalField(
        min_value=Decimal(0), max_digits=14, decimal_places=2, label=gettext_lazy("Amount (yuan)")
    )
    awarded_on = RangeDateField(label=gettext_lazy("Awarded on"), widget=_DATE)
    override_reason = CleanCharField(
        max_length=2000,
        required=False,
        label=gettext_lazy("Override reason"),
        help_text=gettext_lazy(
            "Only to award despite the failed rules: the reason is stored, flagged and audited."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, suppliers: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "award")
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = _blank(suppliers)  # type: ignore[attr-defined]
        self.failures: list[tuple[str, str, str]] = []
        self.style()


class ContractForm(WorkspaceForm):
    number = CleanCharField(max_length=64, required=False, label=gettext_lazy("Contract number"))
    signed_on = RangeDateField(label=gettext_lazy("Signed on"), widget=_DATE)
    starts_on = RangeDateField(label=gettext_lazy("Starts on"), widget=_DATE)
    ends_on = RangeDateField(label=gettext_lazy("Ends on"), widget=_DATE)
    amount = forms.DecimalField(
        min_value=Decimal(0), max_digits=14, decimal_places=2, label=gettext_lazy("Amount (yuan)")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "contract")
        super().__init__(*args, **kwargs)
        self.style()


class _Row(WorkspaceForm):
    def filled(self) -> bool:
        """Whether anything was typed in this row (an empty row is left out)."""
        return self.is_bound and any(
            (str(self.data.get(self.add_prefix(name)) or "")).strip() for name in self.fields
        )


class DeliverableRow(_Row):
    kind = forms.ChoiceField(
        required=False, label=gettext_lazy("Kind"), choices=_blank(OutputKind.choices)
    )
    description = CleanCharField(max_length=255, required=False, label=gettext_lazy("Deliverable"))
    planned = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=2,
        label=gettext_lazy("Planned"),
    )  # fmt: skip
    due_on = RangeDateField(required=False, label=gettext_lazy("Due on"), widget=_DATE)

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        row: dict[str, Any] = {
            "kind": data["kind"],
            "description": data["description"],
            "due_on": data["due_on"],
        }
        if data["planned"] is not None:
            row["planned"] = data["planned"]
        return row


class PaymentRow(_Row):
    amount = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=14, decimal_places=2,
        label=gettext_lazy("Amount (yuan)"),
    )  # fmt: skip
    deliverable = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=gettext_lazy("For deliverable"),
        choices=_blank([(str(i + 1), str(i + 1)) for i in range(CONTRACT_ROWS)]),
    )
    due_on = RangeDateField(required=False, label=gettext_lazy("Due on"), widget=_DATE)

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        number = data["deliverable"]  # the row's number as shown, from 1
        row: dict[str, Any] = {
            "amount": data["amount"],
            "deliverable": number - 1 if number is not None else None,
        }
        if data["due_on"] is not None:
            row["due_on"] = data["due_on"]
        return row


class ReleaseForm(WorkspaceForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    paid_on = RangeDateField(label=gettext_lazy("Paid on"), widget=_DATE)


class DecideForm(WorkspaceForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decided_on = RangeDateField(label=gettext_lazy("Decided on"), widget=_DATE)
    comment = CleanCharField(
        max_length=5000,
        required=False,
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision = forms.ChoiceField(
        choices=[("accept", gettext_lazy("Accept")), ("return", gettext_lazy("Return"))]
    )


class EvaluatorForm(WorkspaceForm):
    evaluator = forms.ChoiceField(label=gettext_lazy("Evaluation institution"))
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), choices=Stage.choices)
    assigned_on = RangeDateField(label=gettext_lazy("Assigned on"), widget=_DATE)

    def __init__(self, *args: Any, institutions: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "evaluator")
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].choices = _blank(institutions)  # type: ignore[attr-defined]
        self.style()


class PostForm(WorkspaceForm):
    title = CleanCharField(max_length=100, label=gettext_lazy("Post title"))
    count = forms.IntegerField(min_value=1, max_value=10000, label=gettext_lazy("Posts"))
    required_level = forms.TypedChoiceField(
        coerce=int, choices=Level.choices, label=gettext_lazy("Required certificate level")
    )
    monthly_salary = forms.DecimalField(
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        label=gettext_lazy("Monthly salary standard (yuan)"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "post")
        super().__init__(*args, **kwargs)
        self.style()


class AssignForm(WorkspaceForm):
    person = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Person"))
    starts_on = RangeDateField(label=gettext_lazy("Starts on"), widget=_DATE)

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _blank(people)  # type: ignore[attr-defined]
        self.style()


def _people(user: Any, purchase: Purchase) -> list[tuple[str, str]]:
    """The supplier's people the user may see, shown as the workforce pages show them: the
    name, the masked ID number and the birth year, never more."""
    award = getattr(purchase, "award", None)
    if award is None:
        return []
    found, _count = person_list(
        actor=user, filters=PersonFilter(organization_id=award.supplier_id), limit=PICKER_LIMIT
    )
    return [(str(p.pk), f"{p.name} ({p.id_shown}, {p.birth_year})") for p in found]


def _organizations(user: Any, filters: OrganizationFilter) -> list[tuple[str, str]]:
    found, _count = organization_list(actor=user, filters=filters, limit=PICKER_LIMIT)
    return [(str(org.pk), org.name) for org in found]


def _suppliers(user: Any, purchase: Purchase) -> list[tuple[str, str]]:
    """Organizations registered in the purchase's region that are not government bodies."""
    found, _count = organization_list(
        actor=user, filters=OrganizationFilter(region=purchase.region.code), limit=PICKER_LIMIT
    )
    return [(str(org.pk), org.name) for org in found if org.kind != OrgKind.GOVERNMENT]


def _institutions(user: Any) -> list[tuple[str, str]]:
    return _organizations(user, OrganizationFilter(kind=OrgKind.EVALUATION))


def _buyer_purchase(request: HttpRequest, pk: int) -> Purchase:
    """The purchase with its page's reads, or 404 when the user is not on its buyer's side."""
    try:
        purchase = purchase_detail(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if not is_buyer_side(request.user, purchase):
        raise Http404(_("No purchase with id %(id)s.") % {"id": pk})
    return purchase


def _contract(purchase: Purchase) -> Contract | None:
    contract: Contract | None = getattr(purchase, "contract", None)
    return contract


def _page(
    request: HttpRequest, purchase: Purchase, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    today = timezone.localdate()
    record = public_purchase(pk=purchase.pk, on=today)
    contract = _contract(purchase)
    award_form = forms_.get("award_form")
    if purchase.status in (Status.PLANNING, Status.TENDERING) and award_form is None:
        award_form = AwardForm(
            suppliers=_suppliers(request.user, purchase), initial={"awarded_on": today}
        )
    contract_forms = forms_.get("contract_forms")
    if purchase.status == Status.AWARDED and contract is None and contract_forms is None:
        contract_forms = _contract_forms(None)
    reports: list[ServiceReport] = []
    evaluator_form = forms_.get("evaluator_form")
    if contract is not None:
        reports, _count = report_list(actor=request.user, contract=contract)
        if evaluator_form is None:
            evaluator_form = EvaluatorForm(
                institutions=_institutions(request.user), initial={"assigned_on": today}
            )
    post_form = forms_.get("post_form")
    assign_forms: dict[int, AssignForm] = forms_.get("assign_forms", {})
    if contract is not None and purchase.kind == Kind.POST:
        post_form = post_form or PostForm()
        people = _people(request.user, purchase)
        for post in record.posts:
            if post.pk not in assign_forms:
                assign_forms[post.pk] = AssignForm(
                    people=people, prefix=f"assign-{post.pk}", initial={"starts_on": today}
                )
    decide_forms: dict[int, DecideForm] = forms_.get("decide_forms", {})
    release_forms: dict[int, ReleaseForm] = forms_.get("release_forms", {})
    for report in reports:
        if report.status == ReportStatus.SUBMITTED and report.pk not in decide_forms:
            decide_forms[report.pk] = DecideForm(
                initial={"version": report.version, "decided_on": today},
                prefix=f"report-{report.pk}",
            )
    for payment in record.payments:
        if payment.paid_on is None and payment.pk not in release_forms:
            release_forms[payment.pk] = ReleaseForm(
                initial={"version": payment.version, "paid_on": today},
                prefix=f"payment-{payment.pk}",
            )
    for form in [*decide_forms.values(), *release_forms.values()]:
        form.style()
    status_form = forms_.get("status_form") or StatusForm(
        initial={"version": purchase.version, "date": today, "status": purchase.status}
    )
    described = {d.pk: d.description for d in record.deliverables}
    return render(
        request,
        PAGE_TEMPLATE,
        {
            "record": record,
            "purchase": purchase,
            "ocds_url": f"/api/v1/purchases/{purchase.pk}/ocds",
            "region_name": place_name(purchase.region),
            "flags": getattr(purchase, "flags", None) or [],
            "status_form": status_form,
            "award_form": award_form,
            "contract_forms": contract_forms,
            "reports": [
                (
                    r,
                    [(described.get(line.deliverable_id, ""), line) for line in r.lines.all()],
                    decide_forms.get(r.pk),
                )
                for r in reports
            ],
            "payments": [(p, release_forms.get(p.pk)) for p in record.payments],
            "evaluator_form": evaluator_form,
            "post_form": post_form,
            "posts": [(p, assign_forms.get(p.pk)) for p in record.posts],
            "evaluations": list(contract.evaluations.all()) if contract is not None else [],
        },
        status=status,
    )


def _back(pk: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("web:workspace_purchase", args=[pk]) + (f"#{anchor}" if anchor else ""))


@reads_primary
@require_safe
@officer_required
def purchase_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _buyer_purchase(request, pk))


@require_POST
@officer_required
def status_set(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            purchase_status_set(
                actor=request.user,
                purchase=purchase,
                status=data["status"],
                date=data["date"],
                note=data["note"],
                version=data["version"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except StaleVersion:
            form.add_error(None, str(STALE))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Status changed."))
            return _back(pk)
    form.style()
    return _page(request, purchase, status=400, status_form=form)


@require_POST
@officer_required
def award(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    form = AwardForm(request.POST, suppliers=_suppliers(request.user, purchase))
    if form.is_valid():
        data = form.cleaned_data
        supplier = Organization.objects.get(pk=int(data["supplier"]))
        try:
            award_create(
                actor=request.user,
                purchase=purchase,
                supplier=supplier,
                amount=data["amount"],
                awarded_on=data["awarded_on"],
                override_reason=data["override_reason"],
            )
        except ValidationError as exc:
            refused = exc.error_dict.get("supplier", []) if hasattr(exc, "error_dict") else []
            coded = [e for e in refused if isinstance(e, DjangoValidationError) and e.code]
            if coded:
                form.failures = [
                    (str(e.code), _rule_name(str(e.code)), " ".join(e.messages)) for e in coded
                ]
            else:
                attach_service_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Awarded."))
            return _back(pk)
    form.style()
    return _page(request, purchase, status=400, award_form=form)


def _rule_name(code: str) -> str:
    return str(Rule(code).label) if code in Rule.values else ""


def _contract_forms(
    data: Any,
) -> tuple[ContractForm, list[DeliverableRow], list[PaymentRow]]:
    return (
        ContractForm(data),
        [DeliverableRow(data, prefix=f"d{i}") for i in range(CONTRACT_ROWS)],
        [PaymentRow(data, prefix=f"p{i}") for i in range(CONTRACT_ROWS)],
    )


@require_POST
@officer_required
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    head, deliverables, payments = _contract_forms(request.POST)
    used_d = [row for row in deliverables if row.filled()]
    used_p = [row for row in payments if row.filled()]
    valid = all([head.is_valid(), *(r.is_valid() for r in used_d), *(r.is_valid() for r in used_p)])
    if valid:
        data = head.cleaned_data
        try:
            contract_sign(
                actor=request.user,
                purchase=purchase,
                number=data["number"],
                signed_on=data["signed_on"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                amount=data["amount"],
                deliverables=[r.row() for r in used_d],
                payments=[r.row() for r in used_p],
            )
        except ValidationError as exc:
            _contract_errors(exc, head, used_d, used_p)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Contract signed."))
            return _back(pk)
    for form in [head, *deliverables, *payments]:
        form.style()
    return _page(request, purchase, status=400, contract_forms=(head, deliverables, payments))


def _contract_errors(
    exc: ValidationError,
    head: ContractForm,
    deliverables: list[DeliverableRow],
    payments: list[PaymentRow],
) -> None:
    """A service error ``deliverables[1].due_on`` goes to the second row filled in."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages_ in errors.items():
        target: forms.Form = head
        name: str | None = field if field in head.fields else None
        for prefix, rows in (("deliverables", deliverables), ("payments", payments)):
            if field.startswith(prefix + "["):
                index_text, _sep, rest = field[len(prefix) + 1 :].partition("]")
                if index_text.isdigit() and int(index_text) < len(rows):
                    target = rows[int(index_text)]
                    column = rest.lstrip(".")
                    name = column if column in target.fields else None
        target.add_error(name, list(messages_))


def _payment(purchase: Purchase, payment_pk: int) -> Payment:
    contract = _contract(purchase)
    found = (
        Payment.objects.select_related("deliverable", "contract__purchase__buyer")
        .filter(pk=payment_pk, contract=contract)
        .first()
    )
    if contract is None or found is None:
        raise Http404(_("No payment with id %(id)s.") % {"id": payment_pk})
    return found


@require_POST
@officer_required
def release(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    payment = _payment(purchase, payment_pk)
    form = ReleaseForm(request.POST, prefix=f"payment-{payment.pk}")
    if form.is_valid():
        try:
            payment_release(
                actor=request.user,
                payment=payment,
                paid_on=form.cleaned_data["paid_on"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc, {"payment": "paid_on", "deliverable": "paid_on"})
        except StaleVersion:
            form.add_error(None, str(STALE))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Payment %(n)s released.") % {"n": payment.position + 1})
            return _back(pk, "payments")
    return _page(request, purchase, status=400, release_forms={payment.pk: form})


def _report(purchase: Purchase, report_pk: int) -> ServiceReport:
    contract = _contract(purchase)
    found = ServiceReport.objects.filter(pk=report_pk, contract=contract).first()
    if contract is None or found is None:
        raise Http404(_("No service report with id %(id)s.") % {"id": report_pk})
    found.contract = contract
    return found


@require_POST
@officer_required
def decide(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    report = _report(purchase, report_pk)
    form = DecideForm(request.POST, prefix=f"report-{report.pk}")
    if form.is_valid():
        data = form.cleaned_data
        service = report_accept if data["decision"] == "accept" else report_return
        try:
            service(
                actor=request.user,
                report=report,
                decided_on=data["decided_on"],
                comment=data["comment"],
                version=data["version"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except StaleVersion:
            form.add_error(None, str(STALE))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            done = _("Report accepted.") if data["decision"] == "accept" else _("Report returned.")
            messages.success(request, done)
            return _back(pk, "reports")
    return _page(request, purchase, status=400, decide_forms={report.pk: form})


@require_POST
@officer_required
def evaluator(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    contract = _contract(purchase)
    if contract is None:
        raise Http404(_("This purchase has no contract yet."))
    form = EvaluatorForm(request.POST, institutions=_institutions(request.user))
    if form.is_valid():
        data = form.cleaned_data
        institution = Organization.objects.get(pk=int(data["evaluator"]))
        contract.purchase = purchase
        try:
            evaluation_assign(
                actor=request.user,
                contract=contract,
                evaluator=institution,
                stage=data["stage"],
                assigned_on=data["assigned_on"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Evaluator assigned."))
            return _back(pk, "evaluations")
    form.style()
    return _page(request, purchase, status=400, evaluator_form=form)


@require_POST
@officer_required
def post_new(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    contract = _contract(purchase)
    if contract is None:
        raise Http404(_("This purchase has no contract yet."))
    form = PostForm(request.POST)
    if form.is_valid():
        contract.purchase = purchase
        try:
            post_add(actor=request.user, contract=contract, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Posts added."))
            return _back(pk, "posts")
    form.style()
    return _page(request, purchase, status=400, post_form=form)


@require_POST
@officer_required
def assign(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    purchase = _buyer_purchase(request, pk)
    contract = _contract(purchase)
    post = Post.objects.filter(pk=post_pk, contract=contract).first()
    if contract is None or post is None:
        raise Http404(_("No post with id %(id)s.") % {"id": post_pk})
    contract.purchase = purchase
    post.contract = contract
    form = AssignForm(
        request.POST, people=_people(request.user, purchase), prefix=f"assign-{post.pk}"
    )
    if form.is_valid():
        try:
            post_assign(
                actor=request.user,
                post=post,
                person=form.cleaned_data["person"],
                starts_on=form.cleaned_data["starts_on"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc, {"person_id": "person"})
        except NotFound:
            form.add_error("person", _("No such person among those you may see."))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Person assigned."))
            return _back(pk, "posts")
    form.style()
    return _page(request, purchase, status=400, assign_forms={post.pk: form})


def waiting_for(user: Any) -> Any:
    """What waits in purchasing for an officer or administrator (None for anyone else)."""
    try:
        return purchasing_waiting(actor=user)
    except PermissionDenied:
        return None
