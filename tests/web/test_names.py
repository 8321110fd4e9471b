"""The one helper that names a place in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from shuniu.web.names import english, place_name


@dataclass(frozen=True)
class Place:
    name: str
    name_en: str


def test_english_reader_gets_the_english_name():
    # given a place with both names / when read in English
    with translation.override("en"):
        shown = place_name(Place(name="东城区", name_en="Dongcheng District"))
    # then
    assert shown == "Dongcheng District"


def test_english_reader_gets_the_chinese_name_where_there_is_no_english_one():
    # given a place without an English name / when read in English
    with translation.override("en"):
        shown = place_name(Place(name="东城区", name_en=""))
    # then
    assert shown == "东城区"


def test_chinese_reader_gets_the_chinese_name():
    # given a place with both names / when read in Chinese
    with translation.override("zh-hans"):
        shown = place_name(Place(name="东城区", name_en="Dongcheng District"))
        in_english = english()
    # then
    assert shown == "东城区"
    assert in_english is False
