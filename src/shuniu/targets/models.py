from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import BaseModel


class Metric(models.TextChoices):
    ORGANIZATIONS = "organizations", _("organizations")
    DISTRICTS_COVERED = "districts_covered", _("districts covered")
    CERTIFIED_WORKERS = "certified_workers", _("certified social workers")
    UNIVERSITIES = "universities", _("universities with social-work departments")
    GRADUATES_PER_YEAR = "graduates_per_year", _("social-work graduates per year")
    PROGRAMME_PLACEMENTS = "programme_placements", _("programme placements")
    POSTS_FUNDED = "posts_funded", _("posts funded")
    CONTRACTED_AMOUNT = "contracted_amount", _("contracted amount")
    SUPPLIERS_GOOD_SHARE = "suppliers_good_share", _("share of suppliers graded good or better")


class PolicyDocument(BaseModel):
    title = models.CharField(_("title"), max_length=255)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    region = models.ForeignKey(
        "divisions.Division", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["-issued_on", "title"]

    def __str__(self) -> str:
        return self.title


class Target(BaseModel):
    """A goal set by a plan: reach ``value`` of ``metric`` in ``region`` by ``due_on``."""

    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("policy document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    region = models.ForeignKey(
        "divisions.Division", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    kind = models.CharField(_("organization kind"), max_length=16, blank=True)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due on"))
    description = models.TextField(_("description"), blank=True)
    # The districts the target covers, as named by the plan (possibly abolished since: they
    # resolve to the division holding their territory on the date asked). None: the region.
    scope = models.ManyToManyField(
        "divisions.Division",
        verbose_name=_("districts covered by the target"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.region} {self.get_metric_display()} {self.value} ({self.due_on})"


class PublishedFigure(BaseModel):
    """A number stated by an authority or a report, kept apart from computed figures."""

    region = models.ForeignKey(
        "divisions.Division", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    kind = models.CharField(_("organization kind"), max_length=16, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    qualifier = models.CharField(
        _("qualifier"), max_length=16, blank=True, help_text=_("e.g. 'about', 'over', 'nearly'")
    )
    as_of = models.DateField(_("as of"))
    as_of_precision = models.CharField(_("date precision"), max_length=8, default="day")
    source = models.CharField(_("source"), max_length=255)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        ordering = ["region", "metric", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "metric", "kind", "as_of", "source"],
                name="published_figure_unique",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="published_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.get_metric_display()} {self.value} @ {self.as_of}"
