"""htmx is configured once, in base.html: every page that loads it reads the same settings."""

from __future__ import annotations

import re

from tests.web.workspace_helpers import logged_in, make_orgs

HTMX_SCRIPT = "django_htmx/htmx-2.min.js"
CONFIG = re.compile(r"<meta name=\"htmx-config\" content='([^']*)'>")


def test_every_page_with_htmx_has_the_one_config(client, db, xicheng_officer):
    # given the two pages that load htmx: the directory and the event form
    org = make_orgs()["xicheng"]
    directory = client.get("/organizations/").content.decode()
    event_form = (
        logged_in(xicheng_officer)
        .get(f"/workspace/organizations/{org.pk}/events/new/")
        .content.decode()
    )
    # when their htmx settings are read
    configs = [CONFIG.findall(html) for html in (directory, event_form)]
    # then both load htmx, each once configured, identically, with a refused query swapped in
    assert HTMX_SCRIPT in directory
    assert HTMX_SCRIPT in event_form
    assert [len(found) for found in configs] == [1, 1]
    assert configs[0] == configs[1]
    assert '"includeIndicatorStyles":false' in configs[0][0]
    assert '{"code":"400","swap":true}' in configs[0][0]
