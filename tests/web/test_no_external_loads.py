"""Nothing may load from the internet: every script, stylesheet, image and frame comes from this
server (government networks are often offline, and a CDN would leak who reads what)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import make_organization

STATIC = Path(__file__).resolve().parents[2] / "src" / "shuniu" / "web" / "static"
LOADING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "embed": "src"}


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in LOADING and values.get(LOADING[tag]):
            self.urls.append(values[LOADING[tag]] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")


def _external(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url.strip(), re.I))


@pytest.fixture
def pages(db, admin_user):
    org = make_organization(name="东城区助人社工事务所")
    return [
        "/",
        "/?region=310000&kind=all",
        "/compare/",
        "/organizations/",
        "/organizations/?q=助人",
        f"/organizations/{org.pk}/",
        "/accounts/login/",
        "/admin/",
        "/admin/registry/organization/",
        "/api/v1/docs",
        "/workspace/",
        f"/workspace/organizations/{org.pk}/",
        f"/workspace/organizations/{org.pk}/history/",
        "/workspace/audit/",
        "/workspace/import/",
    ]


def test_no_page_loads_anything_from_another_host(client, admin_user, pages):
    client.force_login(admin_user)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        parser = _Loads()
        parser.feed(response.content.decode())
        assert parser.urls, url  # the page does load its own assets
        assert [u for u in parser.urls if _external(u)] == [], url


def test_no_stylesheet_imports_from_another_host():
    offenders = []
    for css in STATIC.rglob("*.css"):
        for match in re.finditer(
            r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)", css.read_text()
        ):
            target = match.group(1) or match.group(2)
            if _external(target):
                offenders.append(f"{css.name}: {target}")
    assert offenders == []


def test_the_check_itself_catches_a_cdn():
    parser = _Loads()
    parser.feed('<script src="https://cdn.example.org/x.js"></script><link href="//fonts.x/y.css">')
    assert [u for u in parser.urls if _external(u)] == [
        "https://cdn.example.org/x.js",
        "//fonts.x/y.css",
    ]
