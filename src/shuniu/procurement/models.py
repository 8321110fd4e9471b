"""Government purchasing of social-work services and posts (政府购买社会工作服务/岗位).

One ``Purchase`` per procurement process (an OCDS ``ocid``). Its life: planning → tendering →
awarded (``Award``, checked against the supplier's registry history on the award date by the
``EligibilityRule`` rows of the purchase) → contracted (``Contract`` with ``Deliverable`` rows and
``Payment`` rows, each payment gated by one deliverable's acceptance) → in delivery (the supplier's
``ServiceReport`` rows, accepted or returned by the buyer) → completed | terminated | cancelled.
``post`` purchases fund ``Post`` rows filled by certified people (``PostAssignment``).
Third-party ``Evaluation`` rows score a contract on an ``EvaluationScheme`` (an ``Indicator`` tree,
``OutputBand`` rows and grade thresholds); a final ``fail`` bars the supplier from the same buyer's
awards for a year. ``RefusedAttempt`` keeps the refusals that compliance must see (a payment tried
before acceptance, a conflicted evaluator, an award refused by a rule).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import BaseModel
from shuniu.registry.models import Grade

# Post purchases conflict with the national measures on purchasing services in force from this
# date (财政部令第102号《政府购买服务管理办法》, 2020-03-01): flagged, not refused.
POST_PURCHASE_FLAG_FROM = "2020-03-01"
# Contract terms longer than this many years are flagged.
MAX_TERM_YEARS = 3


class Kind(models.TextChoices):
    SERVICE = "service", _("service purchase")
    POST = "post", _("post purchase")


class Method(models.TextChoices):
    OPEN = "open", _("open tender")
    INVITED = "invited", _("invited tender")
    NEGOTIATION = "negotiation", _("competitive negotiation")
    CONSULTATION = "consultation", _("competitive consultation")
    SINGLE_SOURCE = "single_source", _("single source")
    QUOTATION = "quotation", _("request for quotation")


class Status(models.TextChoices):
    PLANNING = "planning", _("planning")
    TENDERING = "tendering", _("tendering")
    AWARDED = "awarded", _("awarded")
    CONTRACTED = "contracted", _("contracted")
    IN_DELIVERY = "in_delivery", _("in delivery")
    COMPLETED = "completed", _("completed")
    TERMINATED = "terminated", _("terminated")
    CANCELLED = "cancelled", _("cancelled")


# Which status may follow which (the services enforce it; award and contract move the status
# themselves).
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    Status.PLANNING: (Status.TENDERING, Status.CANCELLED),
    Status.TENDERING: (Status.AWARDED, Status.CANCELLED),
    Status.AWARDED: (Status.CONTRACTED, Status.CANCELLED),
    Status.CONTRACTED: (Status.IN_DELIVERY, Status.TERMINATED),
    Status.IN_DELIVERY: (Status.COMPLETED, Status.TERMINATED),
    Status.COMPLETED: (),
    Status.TERMINATED: (),
    Status.CANCELLED: (),
}


class Purchase(BaseModel):
    ocid = models.CharField(_("OCID"), max_length=64, unique=True)
    buyer = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="purchases",
    )
    # Where the service is delivered (a city or a district); scope of statistics.
    region = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    service_fields = models.ManyToManyField(
        "registry.ServiceField", verbose_name=_("service fields"), blank=True, related_name="+"
    )
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNING, db_index=True
    )
    planned_on = models.DateField(_("planned on"))
    source = models.CharField(_("source"), max_length=255, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["region", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="purchase_budget_non_negative")
        ]

    def __str__(self) -> str:
        return self.title


class StatusChange(models.Model):
    """The dated timeline of a purchase's status (the first row is ``planning``)."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["purchase_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.date} {self.status}"


class Rule(models.TextChoices):
    """Eligibility rules; the values are the stable codes of a refusal."""

    REGISTERED = "not_registered", _("registered on the award date")
    INSPECTION = "inspection_failed", _("last year's annual inspection passed")
    CREDIT_LIST = "on_credit_list", _("not on the abnormal or serious-violation list")
    MIN_GRADE = "grade_below_minimum", _("evaluation grade at least")
    SERVICE_FIELD = "service_field_missing", _("has the service field")
    NOT_BARRED = "barred_by_evaluation", _("not barred by a failing evaluation from this buyer")


# The rules a new purchase gets unless told otherwise.
DEFAULT_RULES = (Rule.REGISTERED, Rule.INSPECTION, Rule.CREDIT_LIST, Rule.NOT_BARRED)


class EligibilityRule(models.Model):
    """One rule a supplier must meet on the award date. ``grade`` is the minimum for
    ``grade_below_minimum``; ``service_field`` the field required by ``service_field_missing``."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    grade = models.CharField(_("minimum grade"), max_length=2, choices=Grade.choices, blank=True)
    service_field = models.ForeignKey(
        "registry.ServiceField",
        verbose_name=_("required service field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["purchase_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "code"], name="rule_once_per_purchase"),
            models.CheckConstraint(
                condition=~Q(code="grade_below_minimum") | ~Q(grade=""),
                name="rule_grade_needs_grade",
            ),
            models.CheckConstraint(
                condition=~Q(code="service_field_missing") | Q(service_field__isnull=False),
                name="rule_field_needs_field",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.code}"


class Bid(BaseModel):
    """A candidate's offer, kept when the officer enters it (optional)."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("bidder"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["purchase_id", "amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "bidder"], name="bid_once_per_bidder"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bid_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.bidder_id} {self.amount}"


class Award(BaseModel):
    purchase = models.OneToOneField(Purchase, on_delete=models.CASCADE, related_name="award")
    supplier = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    awarded_on = models.DateField(_("awarded on"), db_index=True)
    # An officer's override of failed rules: the reason, and the codes it overrode.
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_rules = models.JSONField(_("overridden rules"), default=list, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_non_negative")
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} → {self.supplier_id}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)


class Contract(BaseModel):
    purchase = models.OneToOneField(Purchase, on_delete=models.CASCADE, related_name="contract")
    number = models.CharField(_("contract number"), max_length=64, blank=True)
    signed_on = models.DateField(_("signed on"), db_index=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="contract_term"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.starts_on}..{self.ends_on}"


class OutputKind(models.TextChoices):
    PEOPLE_SERVED = "people_served", _("people served")
    SESSIONS = "sessions", _("sessions")
    SERVICE_HOURS = "service_hours", _("service hours")
    OUTCOME = "outcome", _("outcome")


class Deliverable(BaseModel):
    """A planned output of a contract, due on a date. Quantified kinds have ``planned``;
    an ``outcome`` is free text. Accepted when the buyer accepts a service report that
    reports on it (``accepted_on``, ``accepted_report``)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deliverables")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=OutputKind.choices)
    description = models.CharField(_("description"), max_length=255)
    planned = models.DecimalField(
        _("planned"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    due_on = models.DateField(_("due on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_report = models.ForeignKey(
        "ServiceReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["contract_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="outcome") | Q(planned__gt=0),
                name="deliverable_quantified_needs_planned",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Payment(BaseModel):
    """A staged payment; it may be released only once its deliverable is accepted."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    deliverable = models.ForeignKey(
        Deliverable,
        verbose_name=_("deliverable"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["contract_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.position} {self.amount}"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned")


class ServiceReport(BaseModel):
    """The supplier's actual outputs for a period, accepted or returned by the buyer."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    submitted_on = models.DateField(_("submitted on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.SUBMITTED,
        db_index=True,
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["contract_id", "period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="report_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period_start}..{self.period_end}"


class ReportLine(models.Model):
    report = models.ForeignKey(ServiceReport, on_delete=models.CASCADE, related_name="lines")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.PROTECT, related_name="lines")
    actual = models.DecimalField(
        _("actual"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    text = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering = ["report_id", "deliverable_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "deliverable"], name="line_once_per_report"),
            models.CheckConstraint(
                condition=Q(actual__isnull=True) | Q(actual__gte=0), name="line_actual_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.deliverable_id} {self.actual}"


class Post(BaseModel):
    """Funded positions of a ``post`` contract: ``count`` posts of one title, in force during
    the contract's term (until it is terminated)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(_("post title"), max_length=100)
    count = models.PositiveSmallIntegerField(_("number of posts"))
    # workforce.models.Level (1 junior, 2 intermediate, 3 senior)
    required_level = models.PositiveSmallIntegerField(_("required certificate level"))
    monthly_salary = models.DecimalField(
        _("monthly salary standard (yuan)"), max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["contract_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="post_count_positive"),
            models.CheckConstraint(
                condition=Q(required_level__in=[1, 2, 3]), name="post_level_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.count}"


class PostAssignment(BaseModel):
    """A certified person filling one of a post row's positions from ``starts_on`` until
    ``ends_on`` (exclusive; null = still)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(
        "workforce.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="post_assignments",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("post assignment")
        verbose_name_plural = _("post assignments")
        ordering = ["post_id", "starts_on", "id"]
        indexes = [models.Index(fields=["starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__lt=models.F("ends_on")),
                name="assignment_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.person_id} {self.starts_on}..{self.ends_on or ''}"


class EvaluationGrade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class EvaluationScheme(BaseModel):
    """An evaluation scheme (评估指标体系): an indicator tree, output bands and the total score
    from which each grade starts."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    excellent_from = models.DecimalField(_("excellent from"), max_digits=6, decimal_places=2)
    good_from = models.DecimalField(_("good from"), max_digits=6, decimal_places=2)
    pass_from = models.DecimalField(_("pass from"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excellent_from__gt=models.F("good_from"))
                & Q(good_from__gt=models.F("pass_from"))
                & Q(pass_from__gt=0),
                name="scheme_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """A node of a scheme's tree. Leaves are scored; a parent's score is the sum of its
    children's. An ``output`` leaf is scored from the accepted service reports of the
    deliverables of its ``output_kind`` (all quantified ones when blank) through the bands."""

    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=4, default=Decimal(1))
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2)
    is_output = models.BooleanField(_("scored from outputs"), default=False)
    output_kind = models.CharField(
        _("output kind"), max_length=16, choices=OutputKind.choices, blank=True
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="indicator_code_per_scheme"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="indicator_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class OutputBand(models.Model):
    """Actual/planned at or above ``from_ratio`` earns ``fraction`` of an output indicator's
    maximum (the highest band reached counts)."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="bands")
    from_ratio = models.DecimalField(_("from actual/planned"), max_digits=6, decimal_places=4)
    fraction = models.DecimalField(_("fraction of the maximum"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("output band")
        verbose_name_plural = _("output bands")
        ordering = ["scheme_id", "-from_ratio"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "from_ratio"], name="band_once_per_ratio"),
            models.CheckConstraint(
                condition=Q(fraction__gte=0) & Q(fraction__lte=1) & Q(from_ratio__gte=0),
                name="band_values",
            ),
        ]

    def __str__(self) -> str:
        return f"≥{self.from_ratio}: {self.fraction}"


class Stage(models.TextChoices):
    MIDTERM = "midterm", _("midterm")
    FINAL = "final", _("final")


class EvaluationStatus(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    COMPLETED = "completed", _("completed")


class Evaluation(BaseModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("evaluation institution"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    assigned_on = models.DateField(_("assigned on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.ASSIGNED,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True, db_index=True)
    total = models.DecimalField(
        _("total score"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    grade = models.CharField(
        _("grade"), max_length=10, choices=EvaluationGrade.choices, blank=True, db_index=True
    )
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["contract_id", "assigned_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "stage"], name="evaluation_once_per_stage"),
            models.CheckConstraint(
                condition=Q(status="assigned") | (Q(completed_on__isnull=False) & ~Q(grade="")),
                name="evaluation_completed_has_grade",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.stage} {self.grade}"


class Score(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["evaluation_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="score_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.indicator_id} {self.score}"


class AttemptCode(models.TextChoices):
    PAYMENT_BEFORE_ACCEPTANCE = "payment_before_acceptance", _("payment before acceptance")
    CONFLICTED_EVALUATOR = "conflicted_evaluator", _("conflicted evaluator")
    INELIGIBLE_AWARD = "ineligible_award", _("award to an ineligible supplier")


class RefusedAttempt(models.Model):
    """A write the rules refused to an authorised officer, kept for compliance (written in its
    own transaction; the refused write itself changes nothing)."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="refusals")
    code = models.CharField(_("what was refused"), max_length=32, choices=AttemptCode.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("refused attempt")
        verbose_name_plural = _("refused attempts")
        ordering = ["purchase_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.code}"
