"""Query forms of the public pages. They only read the query string: nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.registry.models import Kind

# The cities the sector survey compares; the page offers these and nothing else.
REGION_CODES = ("110000", "310000", "440300")
DEFAULT_REGION = "110000"
DEFAULT_KIND = Kind.AGENCY.value
# A GET value for "every kind": an empty value would be indistinguishable from "not given",
# which means the default kind.
ALL_KINDS = "all"


class OverviewQuery(forms.Form):
    region = forms.ChoiceField(
        label=_("Region"),
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not one of the regions offered: choose one from the list."
            ),
        },
    )
    kind = forms.ChoiceField(
        label=_("Organization kind"),
        error_messages={
            "invalid_choice": _("Unknown organization kind “%(value)s”: choose one from the list."),
        },
    )
    as_of = forms.DateField(
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Not a date: write it as YYYY-MM-DD, for example 2010-12-31."),
        },
    )

    def __init__(
        self,
        query: Mapping[str, str],
        *,
        regions: Sequence[tuple[str, str]],
        today: dt.date,
    ) -> None:
        # Missing or empty parameters take the defaults, so a bare "/" is a valid query
        # and a shared URL only needs the parameters that differ.
        defaults = {"region": DEFAULT_REGION, "kind": DEFAULT_KIND, "as_of": today.isoformat()}
        data = {name: (query.get(name) or "").strip() or value for name, value in defaults.items()}
        super().__init__(data=data)
        cast(forms.ChoiceField, self.fields["region"]).choices = list(regions)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (ALL_KINDS, _("all kinds")),
            *Kind.choices,
        ]
        self.fields["region"].widget.attrs["class"] = "form-select"
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["as_of"].widget.attrs["class"] = "form-control"

    def selected_kind(self) -> str | None:
        """The kind to count, or ``None`` for every kind."""
        kind = self.cleaned_data["kind"]
        return None if kind == ALL_KINDS else kind

    def flag_invalid_fields(self) -> None:
        """Mark the inputs that hold an error, for styles and screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
