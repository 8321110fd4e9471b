"""Certified social workers, their certificates and employers, universities' graduates and the
programmes that place them. Personal data: ID numbers are stored encrypted with a keyed hash
for matching (see ``workforce.identity``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import BaseModel


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class EducationLevel(models.TextChoices):
    SECONDARY = "secondary", _("secondary or vocational school")
    ASSOCIATE = "associate", _("associate degree")
    BACHELOR = "bachelor", _("bachelor")
    MASTER = "master", _("master")
    DOCTOR = "doctor", _("doctor")


# How many characters of the stored masked number (first 6 and last 4) are shown: the
# address code and the check character. With the birth year and the sex, these leave
# about 16,600 candidate numbers (docs/decisions.md, "What a person's record shows").
SHOWN_PREFIX = 6
SHOWN_SUFFIX = 1


def shown_mask(masked: str) -> str:
    """The displayed form of a stored masked number: first 6 and last 1 characters."""
    if len(masked) <= SHOWN_PREFIX + SHOWN_SUFFIX:
        return "*" * len(masked)
    hidden = len(masked) - SHOWN_PREFIX - SHOWN_SUFFIX
    return masked[:SHOWN_PREFIX] + "*" * hidden + masked[-SHOWN_SUFFIX:]


class Person(BaseModel):
    name = models.CharField(_("name"), max_length=100, db_index=True)
    # AES-GCM token of the resident ID number; never stored in clear.
    id_cipher = models.CharField(_("ID number (encrypted)"), max_length=128, editable=False)
    # Keyed hash (HMAC-SHA256) of the normalised ID number: the natural key for matching.
    id_hash = models.CharField(_("ID number hash"), max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    education_level = models.CharField(
        _("education"), max_length=16, choices=EducationLevel.choices, blank=True
    )
    university = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("university"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="graduates",
    )
    major = models.CharField(_("major"), max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    # Born before 1949-10-01 is possible; the ID number's checks bound the birth date.
    unbounded_dates = ("birth_date",)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_shown})"

    @property
    def id_shown(self) -> str:
        """The ID number as every page, response and message shows it (see shown_mask)."""
        return shown_mask(self.id_masked)

    @property
    def birth_year(self) -> int:
        return self.birth_date.year


class Level(models.IntegerChoices):
    JUNIOR = 1, _("junior social worker")
    INTERMEDIATE = 2, _("intermediate social worker")
    SENIOR = 3, _("senior social worker")


LEVEL_KEYS = {Level.JUNIOR: "junior", Level.INTERMEDIATE: "intermediate", Level.SENIOR: "senior"}
LEVEL_BY_KEY = {v: k for k, v in LEVEL_KEYS.items()}
# Continuing-education hours each registration period needs (national rules).
REQUIRED_HOURS = {Level.JUNIOR: 72, Level.INTERMEDIATE: 90, Level.SENIOR: 90}
REGISTRATION_YEARS = 3


class Certificate(BaseModel):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="certificates"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    exam_year = models.PositiveSmallIntegerField(_("exam year"))
    issued_on = models.DateField(_("issued on"))
    # Where the holder registered the certificate (a district or a city): the region it counts in.
    registered_division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("registered in"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["issued_on", "id"]
        indexes = [
            models.Index(
                fields=["registered_division", "issued_on", "person", "level"],
                name="certificate_as_of",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gt=models.F("issued_on")),
                name="certificate_revoked_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_level_display()}"


class CertificateRegistration(BaseModel):
    """A registration period (three years) and the continuing education done in it."""

    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    ce_hours = models.DecimalField(
        _("continuing-education hours"), max_digits=6, decimal_places=1, default=0
    )

    class Meta:
        verbose_name = _("certificate registration")
        verbose_name_plural = _("certificate registrations")
        ordering = ["certificate_id", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lt=models.F("ends_on")), name="registration_period"
            ),
            models.CheckConstraint(condition=Q(ce_hours__gte=0), name="ce_hours_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.starts_on}..{self.ends_on}"


class EmploymentRole(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("social worker")
    SUPERVISOR = "supervisor", _("supervisor")
    DIRECTOR = "director", _("director")
    OTHER = "other", _("other")


class Employment(BaseModel):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="employments"
    )
    organization = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="employments",
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=EmploymentRole.choices,
        default=EmploymentRole.SOCIAL_WORKER,
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)  # exclusive
    full_time = models.BooleanField(_("full time"), default=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["person_id", "starts_on"]
        indexes = [
            models.Index(fields=["organization", "starts_on"]),
            models.Index(fields=["person", "starts_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__lt=models.F("ends_on")),
                name="employment_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.organization_id} {self.starts_on}"


class DegreeLevel(models.TextChoices):
    ASSOCIATE = "associate", _("associate degree")
    BACHELOR = "bachelor", _("bachelor")
    MASTER = "master", _("master (incl. MSW)")
    DOCTOR = "doctor", _("doctor")


class GraduateCohort(BaseModel):
    """How many social-work students a university graduated in a year, by degree level."""

    university = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("university"),
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    degree_level = models.CharField(_("degree level"), max_length=16, choices=DegreeLevel.choices)
    graduates = models.PositiveIntegerField(_("graduates"))

    class Meta:
        verbose_name = _("graduate cohort")
        verbose_name_plural = _("graduate cohorts")
        ordering = ["year", "university_id", "degree_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["university", "year", "degree_level"], name="cohort_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.university_id} {self.year} {self.degree_level}: {self.graduates}"


class Programme(BaseModel):
    """A talent programme such as Beijing's 2009 大学生社工计划."""

    name = models.CharField(_("name"), max_length=200)
    organizer = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("organizer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    region = models.ForeignKey(
        "divisions.Division", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["year", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Placement(BaseModel):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="placements"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="placements"
    )
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.CharField(_("street / community"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="placement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.division_id} ({self.programme_id})"
