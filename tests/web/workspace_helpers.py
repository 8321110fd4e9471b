"""What the workspace tests share: people with each role, a snapshot of everything the
workspace can write, and readers of the rendered forms."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.test import Client

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization, OrganizationEvent, Support
from tests.factories import make_organization


def make_orgs() -> dict[str, Organization]:
    """One agency in 西城区 and one in 朝阳区, and a hub association in 西城区."""
    return {
        "xicheng": make_organization(
            name="西城悦群社工事务所", division="110102", registered_on=dt.date(2010, 3, 1)
        ),
        "chaoyang": make_organization(
            name="朝阳阳光社工事务所", division="110105", registered_on=dt.date(2011, 5, 1)
        ),
        "hub": make_organization(
            name="西城区社会工作者联合会",
            kind="association",
            division="110102",
            legal_form="social_group",
            association_level="district",
            registered_on=dt.date(2009, 1, 1),
        ),
    }


def make_agency_staff(org: Organization, username: str = "staff"):
    user = get_user_model().objects.create_user(username, password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=org)
    return user


def logged_in(user, language: str = "en", **kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, **kwargs)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def snapshot() -> dict[str, object]:
    """Everything a workspace page could change."""
    return {
        "organizations": sorted(
            Organization.objects.values_list("pk", "version", "name", "address", "kind")
        ),
        "events": sorted(OrganizationEvent.objects.values_list("pk", "kind", "date")),
        "support": Support.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


class _Form(HTMLParser):
    """Inputs, selects, textareas and elements with an id, read from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.checked: dict[str, list[str]] = {}
        self.options: dict[str, list[tuple[str, str, bool]]] = {}
        self.texts: dict[str, str] = {}
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._option_text: list[str] = []
        self._textarea: str | None = None
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, id, text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio"):
            self.values[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.checked.setdefault(a["name"], []).append(a["value"])
        elif tag == "select":
            self._select = a.get("name")
            self.options[self._select or ""] = []
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value", ""), "selected" in a)
            self._option_text = []
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""
        if a.get("id") and tag not in ("input", "br", "meta", "link", "img"):
            self._open.append((tag, a["id"], []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            self.options[self._select].append((value, "".join(self._option_text).strip(), selected))
            if selected:
                self.values[self._select] = value
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        for position in range(len(self._open) - 1, -1, -1):
            if self._open[position][0] == tag:
                _tag, ident, text = self._open.pop(position)
                self.texts[ident] = " ".join("".join(text).split())
                break

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text.append(data)
        if self._textarea is not None:
            self.values[self._textarea] += data
        for _tag, _ident, text in self._open:
            text.append(data)


def read_page(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


def text_of(html: str, element_id: str) -> str | None:
    """The text inside the element with ``element_id``, spaces collapsed; None if absent."""
    return read_page(html).texts.get(element_id)


def form_data(html: str) -> dict[str, str | list[str]]:
    """What the page's form would post unchanged (checked boxes as lists)."""
    page = read_page(html)
    data: dict[str, str | list[str]] = {
        k: v for k, v in page.values.items() if k not in ("language", "next")
    }
    data.update(page.checked)
    return data
