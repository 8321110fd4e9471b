"""The sector report's short narrative: sentences from translatable templates with the
report's numbers filled in, each only when the data it speaks of exists. Nothing is written
that the numbers do not say; the language is the active one (``translation.override``)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuniu.registry.models import Formation
from shuniu.stats.report import SectorReport


def _n(value: int | Decimal) -> str:
    return number_format(value, force_grouping=True)


def _money(value: Decimal) -> str:
    return number_format(value.quantize(Decimal("0.01")), decimal_pos=2, force_grouping=True)


def _percent(part: int, whole: int) -> str:
    # Rounded here: number_format cuts a Decimal's extra places off instead of rounding.
    share = (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return number_format(share, decimal_pos=1)


def _date(value: dt.date) -> str:
    return value.isoformat()


def sector_narrative(report: SectorReport) -> list[str]:
    """The narrative's sentences, in order (see the module's docstring)."""
    sentences: list[str] = []
    orgs = report.organizations
    region = report.region.name
    if not (translation.get_language() or "").startswith("zh"):
        region = report.region.name_en or region
    registering = orgs.by_status.get("registering", 0)
    opening = (
        ngettext(
            "As of %(date)s, %(region)s had %(agencies)s social-work agency "
            "(%(registering)s of them still registering).",
            "As of %(date)s, %(region)s had %(agencies)s social-work agencies "
            "(%(registering)s of them still registering).",
            orgs.total,
        )
        if registering
        else ngettext(
            "As of %(date)s, %(region)s had %(agencies)s social-work agency.",
            "As of %(date)s, %(region)s had %(agencies)s social-work agencies.",
            orgs.total,
        )
    )
    sentences.append(
        opening
        % {
            "date": _date(report.as_of),
            "region": region,
            "agencies": _n(orgs.total),
            "registering": _n(registering),
        }
    )
    if orgs.districts_total:
        sentences.append(
            _("Agencies were present in %(covered)s of its %(total)s districts.")
            % {"covered": _n(orgs.districts_covered), "total": _n(orgs.districts_total)}
        )
    growth = [p for p in report.growth if p.total > 0]
    if len(growth) >= 2:
        first = growth[0]
        sentences.append(
            _("Their number grew from %(first)s at %(first_date)s to %(last)s at %(last_date)s.")
            % {
                "first": _n(first.total),
                "first_date": _date(first.as_of),
                "last": _n(growth[-1].total),
                "last_date": _date(growth[-1].as_of),
            }
        )
    for figure in report.key_figures:
        if figure.published is None or figure.computed is None or figure.metric != "organizations":
            continue
        template = (
            _("The records reproduce the %(published)s agencies published by %(source)s.")
            if figure.agrees
            else _(
                "The records count %(computed)s agencies where %(source)s published %(published)s."
            )
        )
        sentences.append(
            template
            % {
                "published": _n(figure.published.normalize()),
                "computed": _n(figure.computed),
                "source": figure.source,
            }
        )
    if orgs.total and report.formations:
        top = max(report.formations, key=lambda f: f.count)
        label = (
            str(Formation(top.formation).label)
            if top.formation in Formation.values
            else _("not recorded")
        )
        sentences.append(
            _("The most common formation path was %(formation)s: %(count)s agencies (%(share)s%%).")
            % {
                "formation": label,
                "count": _n(top.count),
                "share": _percent(top.count, orgs.total),
            }
        )
    if report.hubs.hubs:
        sentences.append(
            ngettext(
                "%(hubs)s hub organization led %(led)s of the agencies.",
                "%(hubs)s hub organizations led %(led)s of the agencies.",
                len(report.hubs.hubs),
            )
            % {"hubs": _n(len(report.hubs.hubs)), "led": _n(report.hubs.led)}
        )
    support = report.support
    if support.records:
        sentences.append(
            _(
                "%(receivers)s agencies had received support (%(records)s records), "
                "%(amount)s yuan of it in money."
            )
            % {
                "receivers": _n(support.receivers),
                "records": _n(support.records),
                "amount": _money(support.amount_yuan),
            }
        )
    workforce = report.workforce
    if workforce.certified_total:
        sentences.append(
            _(
                "%(certified)s people held a valid social-work certificate; "
                "%(employed)s of them worked for an agency."
            )
            % {
                "certified": _n(workforce.certified_total),
                "employed": _n(workforce.employed_by_agencies),
            }
        )
    purchasing = report.purchasing
    if purchasing.purchases_total:
        sentences.append(
            _(
                "%(purchases)s purchases of services and posts had been contracted for "
                "%(amount)s yuan; %(posts)s posts were funded."
            )
            % {
                "purchases": _n(purchasing.purchases_total),
                "amount": _money(purchasing.contracted_amount),
                "posts": _n(purchasing.posts_funded),
            }
        )
    if report.targets:
        sentences.append(
            _("%(met)s of the %(total)s targets set for the region were met by that date.")
            % {"met": _n(report.targets_met), "total": _n(len(report.targets))}
        )
    return sentences
