"""``core.admin``: a service's refusal of a back-office save is a message on the same form,
in both apps' admins."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore

from shuniu.core.admin import AdminRefusal, RefusalAsMessage
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.registry.models import Organization, OrganizationEvent
from shuniu.workforce.models import Certificate, Person


@pytest.mark.parametrize(
    ("refused", "text"),
    [
        (
            ValidationError({"name": ["Too long.", "Blank."], "uscc": ["Bad."]}),
            "name: Too long. Blank.; uscc: Bad.",
        ),
        (ValidationError(["One.", "Two."]), "One.; Two."),
        (PermissionDenied("Not yours."), "Not yours."),
    ],
)
def test_a_refusal_reads_as_one_line(refused, text):
    assert AdminRefusal(refused).text == text


@pytest.mark.parametrize("model", [Organization, OrganizationEvent, Person, Certificate])
def test_a_refused_save_redirects_to_the_same_form_with_the_reason(
    model, rf, admin_user, monkeypatch
):
    # given a save that a service refuses, in the admin of each app
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, RefusalAsMessage)

    def refuse(self, request, *args, **kwargs):
        raise AdminRefusal(ValidationError({"name": ["Too long."]}))

    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", refuse)
    request = rf.post("/admin/some/form/?_changelist_filters=x")
    request.user = admin_user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    # when the form is posted
    response = model_admin.changeform_view(request)
    # then the same form is shown again with the reason as an error message
    assert (response.status_code, response["Location"]) == (
        302,
        "/admin/some/form/?_changelist_filters=x",
    )
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [
        ("error", "name: Too long.")
    ]
