"""The one alert for a query that could not be answered, and the one list it shows."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from shuniu.web.forms import query_errors


class Query(forms.Form):
    page = forms.IntegerField(label="Page", min_value=1)

    def clean(self):
        raise forms.ValidationError("Nothing matches.")


def test_errors_are_listed_with_their_field_label_and_the_form_errors_last():
    # given a page below 1 and a form-wide error / when
    with translation.override("en"):
        form = Query({"page": "0"})
        form.is_valid()
        shown = query_errors(form)
    # then
    assert shown == [
        ("Page", "Ensure this value is greater than or equal to 1."),
        ("", "Nothing matches."),
    ]


def test_alert_names_the_field_in_the_readers_punctuation():
    # given / when rendered in Chinese under a section heading, with a closing note
    with translation.override("zh-hans"):
        html = render_to_string(
            "web/_query_errors.html",
            {"query_errors": [("页码", "无此页。")], "heading": "h3", "note": "今日为准。"},
        )
    # then
    assert '<h3 class="h6 alert-heading">' in html
    assert "<li><strong>页码</strong>：无此页。</li>" in html
    assert '<p class="mb-0 mt-2">今日为准。</p>' in html


def test_no_errors_no_alert():
    # given / when
    html = render_to_string("web/_query_errors.html", {"query_errors": []})
    # then
    assert 'id="query-errors"' not in html
