"""Back office. Every save goes through the services, so the admin is audited and scoped
like the API; events are never edited in place (a correction is a new event, or a delete
and re-add, both audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseForm, HiddenInput, ModelForm
from django.http import HttpRequest

from shuniu.core.admin import AdminRefusal, RefusalAsMessage
from shuniu.core.errors import StaleVersion
from shuniu.registry.models import Organization, OrganizationEvent, Support
from shuniu.registry.services import (
    EVENT_DETAIL_FIELDS,
    UPDATABLE_FIELDS,
    organization_event_add,
    organization_event_delete,
    organization_register,
    organization_update,
    support_record,
)


class EventInline(admin.TabularInline[OrganizationEvent, Organization]):
    model = OrganizationEvent
    fk_name = "organization"
    extra = 0
    can_delete = False
    fields = (
        "date",
        "kind",
        "division_after",
        "kind_after",
        "name_after",
        "hub",
        "grade",
        "source",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _as_form_errors(form: BaseForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@admin.register(Organization)
class OrganizationAdmin(RefusalAsMessage[Organization]):
    list_display = [
        "name",
        "uscc",
        "kind",
        "status",
        "registrar_division",
        "formation",
        "synthetic",
    ]
    list_filter = ["kind", "status", "formation", "legal_form", "synthetic"]
    search_fields = ["name", "name_en", "uscc", "address"]
    raw_id_fields = ["registrar_division", "hub"]
    filter_horizontal = ["service_fields", "sponsors"]
    readonly_fields = ["status", "founded_on", "registered_on", "uscc_override"]
    inlines = [EventInline]
    list_select_related = ["registrar_division"]
    fields = [
        "name",
        "name_en",
        "uscc",
        "uscc_override_reason",
        "uscc_override",
        "kind",
        "association_level",
        "legal_form",
        "registrar_division",
        "address",
        "formation",
        "hub",
        "sponsors",
        "service_fields",
        "status",
        "founded_on",
        "registered_on",
        "source",
        "synthetic",
        "version",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The version travels with the form so that a save over someone else's newer save
        # is refused instead of silently overwriting it.
        kwargs["widgets"] = {"version": HiddenInput()}
        return super().get_form(request, obj, change, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Organization, form: ModelForm[Organization], change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            if change:
                changes = {f: data[f] for f in form.changed_data if f in UPDATABLE_FIELDS}
                if "service_fields" in changes:
                    changes["service_fields"] = [f.code for f in changes["service_fields"]]
                saved = organization_update(
                    actor=request.user,
                    organization=obj,
                    expected_version=data.get("version"),
                    **changes,
                )
            else:
                saved = organization_register(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    registrar_division=data["registrar_division"],
                    uscc=data.get("uscc"),
                    uscc_override_reason=data.get("uscc_override_reason", ""),
                    name_en=data.get("name_en", ""),
                    association_level=data.get("association_level", ""),
                    legal_form=data.get("legal_form", ""),
                    address=data.get("address", ""),
                    service_fields=[f.code for f in data.get("service_fields", [])],
                    formation=data.get("formation", ""),
                    hub=data.get("hub"),
                    sponsors=list(data.get("sponsors", [])),
                    source=data.get("source", ""),
                    synthetic=data.get("synthetic", False),
                )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            raise AdminRefusal(exc) from exc
        obj.pk = saved.pk
        obj.version = saved.version

    def save_related(
        self, request: HttpRequest, form: ModelForm[Organization], formsets: Any, change: bool
    ) -> None:
        # The service already stored the many-to-many fields.
        return None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Organizations end by events (deregistered, revoked), not by deletion.
        return False


@admin.register(OrganizationEvent)
class OrganizationEventAdmin(RefusalAsMessage[OrganizationEvent]):
    list_display = ["organization", "date", "kind", "source"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "source"]
    raw_id_fields = ["organization", "division_after", "hub"]
    date_hierarchy = "date"
    list_select_related = ["organization"]
    fields = [
        "organization",
        "kind",
        "date",
        "date_precision",
        *EVENT_DETAIL_FIELDS,
        "source",
        "note",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else []

    def save_model(
        self,
        request: HttpRequest,
        obj: OrganizationEvent,
        form: ModelForm[OrganizationEvent],
        change: bool,
    ) -> None:
        if change:
            return
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            saved = organization_event_add(
                actor=request.user,
                organization=organization,
                **{k: v for k, v in data.items() if v not in (None, "")},
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            raise AdminRefusal(exc) from exc
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: OrganizationEvent) -> None:
        organization_event_delete(actor=request.user, event=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OrganizationEvent]) -> None:
        for event in queryset:
            organization_event_delete(actor=request.user, event=event)


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin[Support]):
    list_display = ["giver", "receiver", "kind", "amount_yuan", "area_m2", "starts_on", "ends_on"]
    list_filter = ["kind"]
    raw_id_fields = ["giver", "receiver"]
    search_fields = ["giver__name", "receiver__name", "policy_reference"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Support._meta.fields] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: Support, form: ModelForm[Support], change: bool
    ) -> None:
        if change:
            return
        data = dict(form.cleaned_data)
        saved = support_record(actor=request.user, **data)
        obj.pk = saved.pk
