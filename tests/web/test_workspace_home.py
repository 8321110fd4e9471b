"""The workspace home as an officer meets it: the finder starts in their jurisdiction and
offers its districts, the recent changes name who and how apart, and what waits for them."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.utils import translation

from shuniu.core.actors import cli_actor
from shuniu.registry.services import organization_update
from shuniu.web.views.workspace.trail import action_label, actor_parts
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.web.test_workspace_edit import edit_url, loaded_form
from tests.web.test_workspace_import import CLEAN_ROWS, UPLOAD, xlsx_upload
from tests.web.workspace_helpers import (
    form_data,
    logged_in,
    make_agency_staff,
    make_orgs,
    snapshot,
)

HOME = "/workspace/"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    return tmp_path / "imports"


@pytest.fixture
def orgs(db):
    return make_orgs()


def options(html: str) -> list[tuple[str, str, bool]]:
    """The finder's region options: value, text, selected."""
    select = re.search(r'<select name="region".*?</select>', html, re.S)
    assert select is not None
    return [
        (value, " ".join(unescape(text).split()), "selected" in attrs)
        for value, attrs, text in re.findall(
            r'<option value="([^"]*)"([^>]*)>(.*?)</option>', select.group(), re.S
        )
    ]


def found(html: str) -> list[str]:
    block = re.search(r'<ul class="[^"]*" id="found-list">.*?</ul>', html, re.S)
    return re.findall(r'/workspace/organizations/\d+/">([^<]+)</a>', block.group()) if block else []


def test_a_district_officer_starts_in_their_district(orgs, xicheng_officer):
    # given the 西城 officer
    # when they open the workspace home
    html = logged_in(xicheng_officer).get(HOME).content.decode()
    # then the finder offers their district alone, chosen, and lists its organizations
    assert options(html) == [("110102", "Xicheng District", False)]
    assert found(html) == ["西城区社会工作者联合会", "西城悦群社工事务所"]


def test_a_city_officer_may_narrow_the_finder_to_a_district(orgs, beijing_officer):
    client = logged_in(beijing_officer)
    # given the Beijing officer's home: the whole city first (the default), then its districts
    html = client.get(HOME).content.decode()
    offered = options(html)
    assert offered[:3] == [
        ("110000", "Beijing, all of it", False),
        ("110101", "Dongcheng District (110101)", False),
        ("110102", "Xicheng District (110102)", False),
    ]
    assert len(offered) == 17
    assert found(html) == ["朝阳阳光社工事务所", "西城区社会工作者联合会", "西城悦群社工事务所"]
    # when they narrow it to 朝阳区
    response = client.get(HOME, {"region": "110105"})
    # then only 朝阳's organization is listed, and 朝阳区 is the chosen option
    assert found(response.content.decode()) == ["朝阳阳光社工事务所"]
    assert ("110105", "Chaoyang District (110105)", True) in options(response.content.decode())


def test_a_district_outside_the_jurisdiction_is_refused_by_name(orgs, xicheng_officer):
    # when the 西城 officer asks the finder for 朝阳区
    response = logged_in(xicheng_officer).get(HOME, {"region": "110105"})
    # then a 400 that names the field, and nothing is listed
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "“110105” is not one of the regions offered" in html
    assert found(html) == []


def test_an_administrator_may_choose_a_district_of_any_city(orgs, admin_user):
    html = logged_in(admin_user).get(HOME).content.decode()
    offered = options(html)
    # everywhere first (the default), then each city with its districts
    assert offered[0] == ("", "everywhere", True)
    assert ("110000", "Beijing, all of it", False) in offered
    assert ("110105", "Chaoyang District (110105)", False) in offered
    assert re.search(r'<optgroup label="Beijing">', html)


def test_recent_changes_name_the_account_and_the_channel_apart(orgs, xicheng_officer):
    # given an organization entered from the command line, after those entered on the site
    make_organization(actor=cli_actor("demo load"), name="西城晨光社工事务所", division="110102")
    # when the officer reads their home
    html = logged_in(xicheng_officer).get(HOME).content.decode()
    rows = table_rows(html, "recent-table")
    # then the newest change names the account the command ran as, and the channel under it
    assert rows[0][:2] == ["When", "Who"]
    first = re.search(r'<td class="trail-who">(.*?)</td>', html, re.S).group(1)
    account = cli_actor("demo load").label.removeprefix("cli:").split(" (")[0]
    assert first == (
        f'<span class="trail-actor">{account}</span>'
        '<div class="small text-body-secondary trail-channel">command line: demo load</div>'
    )
    # and a change made on the site names the user alone
    assert '<td class="trail-who"><span class="trail-actor">factory-admin</span></td>' in html


def test_actor_labels_split_into_who_and_how():
    assert actor_parts("cli:root (user create)") == ("root", "command line: user create")
    assert actor_parts("cli:root") == ("root", "command line")
    assert actor_parts("xc_officer") == ("xc_officer", "")
    assert actor_parts("cli:ops (import (2))") == ("ops", "command line: import (2)")


def test_a_previewed_import_waits_on_the_home_page(orgs, xicheng_officer):
    client = logged_in(xicheng_officer)
    # given a file checked and waiting for confirmation
    preview = client.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)})
    assert preview.status_code == 200
    # when the officer opens their home
    html = unescape(client.get(HOME).content.decode())
    # then the import waits there, with the button that imports it
    assert re.search(r"waits for your confirmation: 机构\.xlsx\.", html)
    token = re.search(r'id="waiting-import".*?name="token" value="([^"]+)"', html, re.S)
    assert token is not None
    # and another session of the same officer sees nothing waiting
    assert 'id="waiting-import"' not in logged_in(xicheng_officer).get(HOME).content.decode()
    # when they import it from the home page
    before = snapshot()
    response = client.post("/workspace/import/confirm/", {"token": token.group(1)})
    # then it is imported and waits no more
    assert response.status_code == 200
    assert snapshot()["organizations"] != before["organizations"]
    assert 'id="waiting-import"' not in client.get(HOME).content.decode()


def test_registering_organizations_are_counted_for_the_jurisdiction(orgs, xicheng_officer):
    # given one 西城 and one 朝阳 organization still registering
    make_organization(
        name="西城新苗社工事务所",
        division="110102",
        registered_on=None,
        registration_applied_on=dt.date(2012, 3, 1),
    )
    make_organization(
        name="朝阳新苗社工事务所",
        division="110105",
        registered_on=None,
        registration_applied_on=dt.date(2012, 3, 1),
    )
    # when the 西城 officer opens their home
    html = logged_in(xicheng_officer).get(HOME).content.decode()
    # then one waits, linked to the directory's list of their district's registering ones
    block = re.search(r'<li id="waiting-registering">.*?</li>', html, re.S).group()
    assert 'href="/organizations/?district=110102&amp;status=registering"' in block
    assert re.search(r'<span class="badge[^"]*">1</span>', block)


@pytest.mark.parametrize("who", ["anonymous", "agency_staff"])
def test_the_home_is_closed_to_the_public_and_shows_agency_staff_their_contracts(orgs, who):
    user = None if who == "anonymous" else make_agency_staff(orgs["xicheng"])
    response = logged_in(user).get(HOME)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        # agency staff get their contracts (issue 8), not the officer's finder
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="home-contracts"' in html
        assert 'id="finder"' not in html


def test_the_home_reads_in_a_bounded_number_of_queries(
    orgs, beijing_officer, django_assert_max_num_queries
):
    # given many organizations and changes in the city
    for i in range(30):
        make_organization(name=f"东城测试社工事务所{i:02d}", division="110101")
    client = logged_in(beijing_officer)
    # then the home page reads them in a fixed number of queries
    with django_assert_max_num_queries(20):
        response = client.get(HOME)
    assert response.status_code == 200


def test_actions_read_as_words_in_both_languages():
    with translation.override("en"):
        assert action_label("employment.start") == "Employment started"
        assert action_label("person.demo_load") == "Loaded with the demo dataset"
        assert action_label("something.new") == "something.new"
    with translation.override("zh-hans"):
        assert action_label("certificate.add") == "添加证书"
        assert action_label("placement.demo_load") == "随演示数据载入"


def test_an_edit_refused_as_stale_waits_on_the_home_until_saved(orgs, xicheng_officer, admin_user):
    client = logged_in(xicheng_officer)
    org = orgs["xicheng"]
    # given the officer loaded the edit form, and an administrator then saved the record
    data = loaded_form(client, org)
    organization_update(
        actor=admin_user, organization=org, expected_version=1, address="西城区新街口 2 号"
    )
    # when the officer's save is refused as stale
    refused = client.post(edit_url(org), data | {"address": "西城区展览路 3 号"})
    assert refused.status_code == 409
    # then their home lists it, with the way back to the form
    html = unescape(client.get(HOME).content.decode())
    waiting = re.findall(r'<li class="mb-2 waiting-conflict">(.*?)</li>', html, re.S)
    assert len(waiting) == 1
    assert " ".join(re.sub(r"<[^>]+>", " ", waiting[0]).split()) == (
        "Your edit of 西城悦群社工事务所 was not saved: someone changed the record first. "
        "Edit it again"
    )
    assert f'href="/workspace/organizations/{org.pk}/edit/"' in waiting[0]
    # when they save again from the conflict page
    assert client.post(edit_url(org), form_data(refused.content.decode())).status_code == 302
    # then nothing waits any more
    assert "waiting-conflict" not in client.get(HOME).content.decode()


def test_an_empty_region_keeps_the_officer_in_their_jurisdiction(orgs, xicheng_officer):
    # when the 西城 officer sends the finder with no region
    response = logged_in(xicheng_officer).get(HOME, {"q": "社", "region": ""})
    # then it searches their district, not everywhere
    assert response.status_code == 200
    assert found(response.content.decode()) == ["西城区社会工作者联合会", "西城悦群社工事务所"]
