from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import BaseModel

if TYPE_CHECKING:
    from shuniu.divisions.models import Division


class Kind(models.TextChoices):
    AGENCY = "agency", _("social-work agency")
    ASSOCIATION = "association", _("association")
    TRAINING = "training", _("training institution")
    EVALUATION = "evaluation", _("evaluation institution")
    UNIVERSITY = "university", _("university")
    GOVERNMENT = "government", _("government unit")
    OTHER = "other", _("other")


class AssociationLevel(models.TextChoices):
    CITY = "city", _("city level")
    DISTRICT = "district", _("district level")
    STREET = "street", _("street level")


class LegalForm(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("social group")
    SOCIAL_SERVICE = (
        "social_service",
        _("private non-enterprise unit / social service organization"),
    )
    FOUNDATION = "foundation", _("foundation")
    PUBLIC_INSTITUTION = "public_institution", _("public institution")
    GOVERNMENT = "government", _("government organ")


class Formation(models.TextChoices):
    TRANSFORMATION = "transformation", _("transformation")
    UNIVERSITY_LOCAL = "university_local", _("university-local cooperation")
    ASSOCIATION_LED = "association_led", _("association-led")
    INDEPENDENT = "independent", _("independent")


class Status(models.TextChoices):
    PREPARING = "preparing", _("preparing")
    REGISTERING = "registering", _("registering")
    REGISTERED = "registered", _("registered")
    DEREGISTERED = "deregistered", _("deregistered")
    REVOKED = "revoked", _("revoked")


class ServiceField(models.Model):
    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=32)
    name_en = models.CharField(_("English name"), max_length=64)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service field")
        verbose_name_plural = _("service fields")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Organization(BaseModel):
    """A body of the sector. Its life is its events; ``status``, ``kind``, ``name`` and
    ``registrar_division`` hold the latest state and are kept in step with the events by
    the services (see OrganizationPeriod for the state on any date)."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True
    )
    uscc_override = models.BooleanField(_("credit code check overridden"), default=False)
    uscc_override_reason = models.CharField(_("override reason"), max_length=255, blank=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    association_level = models.CharField(
        _("association level"), max_length=16, choices=AssociationLevel.choices, blank=True
    )
    legal_form = models.CharField(
        _("legal form"), max_length=32, choices=LegalForm.choices, blank=True
    )
    registrar_division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("registrar division"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    service_fields = models.ManyToManyField(
        ServiceField, verbose_name=_("service fields"), blank=True, related_name="organizations"
    )
    formation = models.CharField(
        _("formation"), max_length=32, choices=Formation.choices, blank=True, db_index=True
    )
    hub = models.ForeignKey(
        "self",
        verbose_name=_("leading hub organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    sponsors = models.ManyToManyField(
        "self",
        verbose_name=_("sponsors"),
        blank=True,
        symmetrical=False,
        related_name="sponsored",
    )
    status = models.CharField(
        _("current status"), max_length=16, choices=Status.choices, blank=True, db_index=True
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    # Lower-cased name, English name, address and code: the one column search reads.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    # Not a column: the registry selectors set it on the rows they return, the county-level
    # division holding the registrar's territory on the date asked for.
    district: Division

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["registrar_division", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(association_level="") | Q(kind="association"),
                name="organization_level_only_for_associations",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    FOUNDED = "founded", _("founded")
    REGISTRATION_APPLIED = "registration_applied", _("registration applied")
    REGISTERED = "registered", _("registered")
    RENAMED = "renamed", _("renamed")
    MOVED = "moved", _("moved")
    TRANSFORMED = "transformed", _("transformed")
    JOINED_HUB = "joined_hub", _("joined hub")
    LEFT_HUB = "left_hub", _("left hub")
    ANNUAL_INSPECTION = "annual_inspection", _("annual inspection")
    GRADED = "graded", _("evaluation grade")
    LISTED = "listed", _("listed")
    DELISTED = "delisted", _("delisted")
    DEREGISTERED = "deregistered", _("deregistered")
    REVOKED = "revoked", _("revoked")


# The order events of one day take effect in (founded before registered, and so on).
EVENT_ORDER = {kind: position for position, kind in enumerate(EventKind.values)}

STATUS_AFTER_EVENT = {
    EventKind.FOUNDED: Status.PREPARING,
    EventKind.REGISTRATION_APPLIED: Status.REGISTERING,
    EventKind.REGISTERED: Status.REGISTERED,
    EventKind.DEREGISTERED: Status.DEREGISTERED,
    EventKind.REVOKED: Status.REVOKED,
}


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("passed")
    BASICALLY_PASSED = "basically_passed", _("basically passed")
    FAILED = "failed", _("failed")


class Grade(models.TextChoices):
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class CreditList(models.TextChoices):
    ABNORMAL = "abnormal", _("abnormal activity list")
    SERIOUS_VIOLATION = "serious_violation", _("serious violation list")


GRADE_VALID_YEARS = 5


class OrganizationEvent(BaseModel):
    """One dated fact in an organization's life. The source of truth for its history."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    date = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    # What changed, for the events that change something (filled by the services).
    division_before = models.ForeignKey(
        "divisions.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division_after = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("registrar division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind_before = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    kind_after = models.CharField(_("new kind"), max_length=16, choices=Kind.choices, blank=True)
    name_before = models.CharField(max_length=200, blank=True)
    name_after = models.CharField(_("new name"), max_length=200, blank=True)
    hub = models.ForeignKey(
        Organization,
        verbose_name=_("hub"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection_year = models.PositiveSmallIntegerField(_("inspection year"), null=True, blank=True)
    inspection_result = models.CharField(
        _("inspection result"), max_length=20, choices=InspectionResult.choices, blank=True
    )
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    grade_score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    credit_list = models.CharField(
        _("credit list"), max_length=20, choices=CreditList.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=255)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("organization event")
        verbose_name_plural = _("organization events")
        ordering = ["organization_id", "date", "id"]
        indexes = [
            models.Index(fields=["organization", "date"]),
            models.Index(fields=["kind", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class OrganizationPeriod(models.Model):
    """Derived: the state of an organization between two events, rebuilt from its events.

    "As of D" statistics read the one period that contains D, a plain range query that
    groups fast on both databases. Never edited by hand.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)  # exclusive; null = still current
    status = models.CharField(max_length=16, choices=Status.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    division = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="+")
    # Copied from the organization so that statistics group without joining it.
    formation = models.CharField(max_length=32, choices=Formation.choices, blank=True)
    association_level = models.CharField(
        max_length=16, choices=AssociationLevel.choices, blank=True
    )

    class Meta:
        verbose_name = _("organization period")
        verbose_name_plural = _("organization periods")
        indexes = [
            models.Index(fields=["start", "end"]),
            # Covers the "as of" GROUP BY, so statistics read the index alone.
            models.Index(
                fields=[
                    "division",
                    "start",
                    "end",
                    "status",
                    "kind",
                    "formation",
                    "association_level",
                ],
                name="period_as_of_covering",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lt=models.F("end")),
                name="period_start_before_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.start}..{self.end or ''} {self.status}"


class SupportKind(models.TextChoices):
    OFFICE_SPACE = "office_space", _("office space")
    FUNDS = "funds", _("funds")
    GUIDANCE = "guidance", _("professional guidance")
    TRAINING = "training", _("training")
    OTHER = "other", _("other")


class Support(BaseModel):
    """What one body gave another, and when (培育扶持)."""

    giver = models.ForeignKey(
        Organization,
        verbose_name=_("giver"),
        on_delete=models.PROTECT,
        related_name="support_given",
    )
    receiver = models.ForeignKey(
        Organization,
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        related_name="support_received",
    )
    kind = models.CharField(_("kind of support"), max_length=16, choices=SupportKind.choices)
    amount_yuan = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    area_m2 = models.DecimalField(
        _("area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    policy_reference = models.CharField(_("policy document"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("support")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__lte=models.F("ends_on")),
                name="support_period",
            ),
            models.CheckConstraint(
                condition=Q(amount_yuan__isnull=True) | Q(amount_yuan__gte=0),
                name="support_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(area_m2__isnull=True) | Q(area_m2__gt=0), name="support_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver} → {self.receiver}: {self.get_kind_display()}"
