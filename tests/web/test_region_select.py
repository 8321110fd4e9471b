"""The region picker's widget (``shuniu.web.forms.RegionSelect``) writes the markup Django's
template-rendered ``Select`` writes, for the whole national picker."""

from __future__ import annotations

import datetime as dt

from django import forms

from shuniu.divisions.selectors import DivisionIndex
from shuniu.web.forms import DashboardQuery, RegionSelect
from shuniu.web.names import place_name


def test_the_picker_is_the_markup_of_djangos_select(db):
    # given the dashboard's query for Guangzhou, with a refused field's attributes
    index = DivisionIndex.load()
    query = {"region": "440100", "as_of": "2012-11-30"}
    form = DashboardQuery(query, index=index, today=dt.date(2026, 1, 1), place_name=place_name)
    widget = form.fields["region"].widget
    widget.attrs.update({"aria-invalid": "true", "data-note": '"<&>'})
    assert isinstance(widget, RegionSelect)
    django_select = forms.Select(attrs=widget.attrs, choices=widget.choices)
    # when both render it
    ours = widget.render("region", "440100", attrs={"id": "id_region"})
    theirs = django_select.render("region", "440100", attrs={"id": "id_region"})
    # then the markup is the same, every province and prefecture offered, Guangzhou chosen
    assert ours == theirs
    assert ours.count("<option ") > 300
    assert '<option value="440100" selected>' in ours
