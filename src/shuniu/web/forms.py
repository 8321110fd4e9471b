"""Query forms of the public pages. They only read the query string: nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from shuniu.core.validation import MAX_PAGE, PAGE_TOO_LARGE, RangeDateField
from shuniu.divisions.models import PREFECTURE_LEVELS, Division, Level
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind

# The cities the sector survey compares; the pages offer these and their districts.
REGION_CODES = ("110000", "310000", "440300")
DEFAULT_REGION = "110000"
DEFAULT_KIND = Kind.AGENCY.value
# A GET value for "every kind": an empty value would be indistinguishable from "not given",
# which means the default kind.
ALL_KINDS = "all"

DASHBOARD_CHARTS = ("series", "districts", "kinds", "formations")
COMPARE_CHARTS = ("summary", "kinds", "formations", "operating")
DOWNLOAD_FORMATS = ("csv", "xlsx")

# (city code, city label, [(district code, district label), ...]) for the region picker.
RegionGroup = tuple[str, str, Sequence[tuple[str, str]]]


def other_regions(
    index: DivisionIndex, on: dt.date, place_name: Callable[[Division], str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every other province and prefecture-level unit valid on ``on``, grouped by province
    (the province first): the national reference table has no district maps, but its
    statistics group by the county-level divisions of the date all the same."""
    groups = []
    for province in index.children_of_root():
        if province.code in REGION_CODES or not province.is_valid_on(on):
            continue
        options = [(province.code, place_name(province))]
        if province.level == Level.PROVINCE:
            options += [
                (d.code, place_name(d))
                for d in index.children(province.pk)
                if d.level in PREFECTURE_LEVELS and d.code not in REGION_CODES and d.is_valid_on(on)
            ]
        groups.append((place_name(province), options))
    return groups


def is_offered_region(division: Division, index: DivisionIndex) -> bool:
    """May a page be asked for ``division``? Any province or prefecture-level unit; a
    county-level division only in the three cities, whose pages draw it on their map (the
    API and the command line take any county-level division)."""
    if division.level == Level.PROVINCE or division.level in PREFECTURE_LEVELS:
        return True
    parent = index.by_id.get(division.parent_id) if division.parent_id else None
    return division.is_county_level and parent is not None and parent.code in REGION_CODES


def county_not_offered(division: Division, index: DivisionIndex) -> forms.ValidationError:
    """A county-level division outside the three cities where a region is needed."""
    parent = index.by_id.get(division.parent_id) if division.parent_id else None
    return forms.ValidationError(
        _(
            "%(name)s (%(code)s) is a county-level division: choose a province or a "
            "prefecture-level city, such as %(parent)s (%(parent_code)s)."
        ),
        code="county_level",
        params={
            "name": division.name,
            "code": division.code,
            "parent": parent.name if parent else "",
            "parent_code": parent.code if parent else "",
        },
    )


class RegionSelect(forms.Select):
    """A select whose markup is built in Python: the same HTML as Django's template-rendered
    ``Select``, without rendering a template for each of the ~400 options of the national
    region picker (most of the dashboard's render time, issue 10)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        def attributes(values: dict[str, Any]) -> str:
            # As django/forms/widgets/attrs.html: in order, True bare, False left out.
            return "".join(
                f" {key}" if v is True else f' {key}="{conditional_escape(str(v))}"'
                for key, v in values.items()
                if v is not False
            )

        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(name)}"{attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 every value above is escaped


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


class FlaggedForm(forms.Form):
    """A query form that marks its refused inputs."""

    def flag_invalid_fields(self) -> None:
        """Mark the inputs that hold an error, for styles and screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


def page_field() -> forms.IntegerField:
    """The page number of a paged list; as in the API, no page whose offset would not fit
    the database's integers."""
    return forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("A page number is a whole number from 1 up."),
            "min_value": _("A page number is a whole number from 1 up."),
            "max_value": PAGE_TOO_LARGE,
        },
    )


class _QueryForm(FlaggedForm):
    """Kind and date, shared by every statistics page and download."""

    # Parameters read as given, with no default to fall back on.
    without_default: tuple[str, ...] = ()

    kind = forms.ChoiceField(
        label=_("Organization kind"),
        error_messages={
            "invalid_choice": _("Unknown organization kind “%(value)s”: choose one from the list."),
        },
    )
    as_of = RangeDateField(
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Not a date: write it as YYYY-MM-DD, for example 2010-12-31."),
        },
    )

    def __init__(
        self, query: Mapping[str, str], *, today: dt.date, defaults: Mapping[str, str]
    ) -> None:
        # Missing or empty parameters take the defaults, so a bare URL is a valid query
        # and a shared URL only needs the parameters that differ.
        defaults = {"kind": DEFAULT_KIND, "as_of": today.isoformat(), **defaults}
        data = {name: (query.get(name) or "").strip() or value for name, value in defaults.items()}
        data.update({name: (query.get(name) or "").strip() for name in self.without_default})
        super().__init__(data=data)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (ALL_KINDS, _("all kinds")),
            *Kind.choices,
        ]
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select" if isinstance(widget, forms.Select) else ("form-control")
            )

    def selected_kind(self) -> str | None:
        """The kind to count, or ``None`` for every kind."""
        kind = self.cleaned_data["kind"]
        return None if kind == ALL_KINDS else kind

    def error_list(self) -> list[tuple[str, str, str]]:
        """(parameter, label, message) for every error, in field order."""
        return [
            (name, str(self.fields[name].label) if name in self.fields else "", str(message))
            for name, messages in self.errors.items()
            for message in messages
        ]


class DashboardQuery(_QueryForm):
    """A city or one of its districts, a kind and a date.

    A district is accepted only on dates it existed: statistics group by the divisions of
    the date, so 崇文区 in 2012 has no figures of its own (they are 东城区's).
    """

    region = forms.CharField(
        label=_("Region"),
        widget=RegionSelect(),
        error_messages={"required": _("Choose a region from the list.")},
    )

    field_order = ["region", "kind", "as_of"]

    def __init__(
        self,
        query: Mapping[str, str],
        *,
        index: DivisionIndex,
        today: dt.date,
        place_name: Any,
    ) -> None:
        super().__init__(query, today=today, defaults={"region": DEFAULT_REGION})
        self.index = index
        # The picker lists the districts of the date asked for (today's when unreadable),
        # so it never offers a district that did not exist then.
        on = parse_date(self.data.get("as_of")) or today
        self.region_groups: list[RegionGroup] = []
        for code in REGION_CODES:
            city = index.by_code.get(code)
            if city is None:
                continue
            districts = [(d.code, place_name(d)) for d in index.county_level_on(city.pk, on)]
            self.region_groups.append((city.code, place_name(city), districts))
        cast(forms.Select, self.fields["region"].widget).choices = [
            (city_label, [(city_code, city_label), *districts])
            for city_code, city_label, districts in self.region_groups
        ] + other_regions(index, on, place_name)

    def clean_region(self) -> str:
        code: str = self.cleaned_data["region"]
        on = parse_date(self.data.get("as_of"))
        division = self.index.code_on(code, on) if on else self.index.by_code.get(code)
        if division is None or division.level == Level.STREET:
            raise forms.ValidationError(
                _("“%(value)s” is not one of the regions offered: choose one from the list."),
                code="invalid_choice",
                params={"value": code},
            )
        if not is_offered_region(division, self.index):
            raise county_not_offered(division, self.index)
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code, on = cleaned.get("region"), cleaned.get("as_of")
        if code and on:
            division = self.region_on(code, on)
            if not division.is_valid_on(on):
                self.add_error("region", self._not_on_date(division, on))
        return cleaned

    def region_on(self, code: str, on: dt.date) -> Division:
        """The division a valid ``region`` means on ``on`` (a reused code, by date)."""
        division = self.index.code_on(code, on)
        assert division is not None  # clean_region refused unknown codes
        return division

    def _not_on_date(self, division: Division, on: dt.date) -> forms.ValidationError:
        params = {"name": division.name, "code": division.code, "date": on.isoformat()}
        if division.valid_from is not None and on < division.valid_from:
            return forms.ValidationError(
                _(
                    "%(name)s (%(code)s) did not exist yet on %(date)s: "
                    "it was created on %(start)s."
                ),
                code="not_yet",
                params={**params, "start": division.valid_from.isoformat()},
            )
        successor = self.index.holder(division.pk, on)
        if successor.pk != division.pk:
            return forms.ValidationError(
                _(
                    "%(name)s (%(code)s) no longer existed on %(date)s: its territory was "
                    "part of %(successor)s (%(successor_code)s)."
                ),
                code="abolished",
                params={**params, "successor": successor.name, "successor_code": successor.code},
            )
        return forms.ValidationError(
            _("%(name)s (%(code)s) did not exist on %(date)s."), code="abolished", params=params
        )


# Regions the comparison page puts side by side at most.
MAX_COMPARED = 6


class CompareQuery(_QueryForm):
    """Kind and date; ``regions``: the codes of the provinces or prefecture-level units to put
    side by side (the three cities when empty)."""

    without_default: tuple[str, ...] = ("regions",)

    regions = forms.CharField(
        label=_("Regions (codes, comma-separated; empty: the three cities)"),
        required=False,
        # Six codes and their commas with room for spaces: a longer value is refused whole.
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "440100,440000"}),
    )

    def __init__(
        self,
        query: Mapping[str, str],
        *,
        today: dt.date,
        index: DivisionIndex | None = None,
    ) -> None:
        super().__init__(query, today=today, defaults={})
        self.index = index
        self.today = today

    def clean_regions(self) -> tuple[str, ...]:
        text: str = self.cleaned_data.get("regions") or ""
        codes = list(dict.fromkeys(c.strip() for c in text.replace("，", ",").split(",")))
        codes = [c for c in codes if c]
        if not codes:
            return REGION_CODES
        if len(codes) > MAX_COMPARED:
            raise forms.ValidationError(
                _("At most %(most)s regions side by side; %(count)s were given."),
                params={"most": MAX_COMPARED, "count": len(codes)},
            )
        index = self.index or DivisionIndex.load()
        on = parse_date(self.data.get("as_of")) or self.today
        for code in codes:
            division = index.code_on(code, on) if code.isdigit() else None
            if division is None:
                raise forms.ValidationError(
                    _("“%(value)s” is not a region code on %(date)s, such as 440100."),
                    params={"value": code, "date": on.isoformat()},
                )
            if not is_offered_region(division, index):
                raise county_not_offered(division, index)
            if not division.is_valid_on(on):
                raise forms.ValidationError(
                    _("%(name)s (%(code)s) did not exist on %(date)s."),
                    params={"name": division.name, "code": division.code, "date": on.isoformat()},
                )
        return tuple(codes)


class _DownloadFields(forms.Form):
    """Which chart's numbers, in which file format. Neither has a default: a download link
    always says what it fetches."""

    # Not required at the field level, so the messages below (which list the choices)
    # answer a missing value too.
    chart = forms.CharField(label=_("Chart"), required=False)
    format = forms.CharField(label=_("File format"), required=False)

    charts: Sequence[str] = ()
    without_default: tuple[str, ...] = ("chart", "format")
    cleaned_data: dict[str, Any]

    def clean_chart(self) -> str:
        return one_of(
            self.cleaned_data["chart"],
            self.charts,
            missing=_("Say which chart: one of %(names)s."),
            unknown=_("Unknown chart “%(value)s”: one of %(names)s."),
        )

    def clean_format(self) -> str:
        return one_of(
            self.cleaned_data["format"],
            DOWNLOAD_FORMATS,
            missing=_("Say which file format: one of %(names)s."),
            unknown=_("Unknown file format “%(value)s”: one of %(names)s."),
        )


def one_of(value: str, allowed: Sequence[str], *, missing: Any, unknown: Any) -> str:
    if value in allowed:
        return value
    raise forms.ValidationError(
        unknown if value else missing,
        code="invalid_choice" if value else "required",
        params={"value": value, "names": ", ".join(allowed)},
    )


class DashboardDownloadQuery(_DownloadFields, DashboardQuery):
    charts = DASHBOARD_CHARTS


class CompareDownloadQuery(_DownloadFields, CompareQuery):
    charts = COMPARE_CHARTS
    without_default: tuple[str, ...] = ("chart", "format", "regions")


def query_errors(form: forms.Form) -> list[tuple[str, str]]:
    """(field label, message) of every error of a query form, in field order: what the alert
    ``web/_query_errors.html`` lists. An error of no one field has no label."""
    shown: list[tuple[str, str]] = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        shown.extend((label, str(message)) for message in messages)
    return shown


def attach_service_errors(
    form: forms.Form,
    exc: ValidationError,
    rename: Mapping[str, str] | Callable[[str], str | None] | None = None,
) -> None:
    """Attach a service's ValidationError to the inputs it names, so each message stands next
    to its field (``rename`` maps a service's field name to the form's, as a mapping or a
    function); a message about no field of the form goes to the form as a whole."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages in errors.items():
        name = rename(field) if callable(rename) else (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, list(messages))
