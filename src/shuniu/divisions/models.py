from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    # A prefecture-level unit that is not a city (地区, 盟, 自治州): the national table.
    PREFECTURE = "prefecture", _("prefecture")
    DISTRICT = "district", _("district")
    COUNTY = "county", _("county")
    STREET = "street", _("street")


COUNTY_LEVELS = (Level.DISTRICT, Level.COUNTY)
# Levels of a prefecture-level unit. ``city`` is also a municipality (110000) at province
# level: a city's tier is in its code (XX0000 province-level, XXXX00 prefecture-level).
PREFECTURE_LEVELS = (Level.CITY, Level.PREFECTURE)


class DivisionQuerySet(models.QuerySet["Division"]):
    def valid_on(self, on: dt.date) -> DivisionQuerySet:
        """Divisions in force on ``on``: ``valid_from <= on < valid_to`` (open ends allowed)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gt=on),
        )

    def current(self) -> DivisionQuerySet:
        """One row per code: its latest meaning (a reused code's older meanings left out)."""
        return self.filter(reuse_kind="")


class Division(models.Model):
    """An administrative division (GB/T 2260) with its period of validity.

    ``valid_to`` is the first day the division no longer exists; ``successor`` is the
    division that took over its territory (merge, county became district).

    A code names one place at a time but some were reused for another place (the 1982–1984
    renumbering, 万盛区 500110 until 2011): the latest meaning has an empty ``reuse_kind``
    and is the one a bare code means; each older meaning is its own row, found by date.
    """

    code = models.CharField(_("code"), max_length=6, db_index=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    date_precision = models.CharField(_("date precision"), max_length=8, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    change = models.CharField(_("change"), max_length=32, blank=True)
    document = models.CharField(_("document"), max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # How the successor was found (divisions-national.NOTICE.md); empty for curated rows.
    successor_rule = models.CharField(_("successor rule"), max_length=40, blank=True)
    # A row of the hand-curated three-city table (day-precise dates, documents).
    curated = models.BooleanField(_("curated"), default=False)
    # Empty for a code's latest meaning; why an older meaning is kept otherwise.
    reuse_kind = models.CharField(_("older meaning of a reused code"), max_length=32, blank=True)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code", "reuse_kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(reuse_kind=""), name="division_code_current"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="division_code_period"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lt=models.F("valid_to")),
                name="division_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_valid_on(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on < self.valid_to
        )

    @property
    def is_county_level(self) -> bool:
        return self.level in COUNTY_LEVELS


class Population(models.Model):
    """Resident population (常住人口) of a division counted by a census, with its source.

    Reference data loaded from ``data/population.csv`` (see ``population.NOTICE.md``).
    """

    division = models.ForeignKey(
        Division,
        verbose_name=_("administrative division"),
        on_delete=models.PROTECT,
        related_name="populations",
    )
    name = models.CharField(_("name on the census date"), max_length=64)
    census = models.PositiveSmallIntegerField(_("census year"))
    reference_date = models.DateField(_("census reference date"))
    population = models.PositiveIntegerField(_("resident population"))
    source = models.TextField(_("source"))

    class Meta:
        verbose_name = _("census population")
        verbose_name_plural = _("census populations")
        ordering = ["division__code", "census"]
        constraints = [
            models.UniqueConstraint(fields=["division", "census"], name="population_one_per_census")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.census}: {self.population}"
