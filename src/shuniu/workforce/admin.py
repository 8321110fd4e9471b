"""Back office for the workforce. Saves go through the services (validated, audited,
versioned). ID numbers appear only masked (first 6 and last 1 characters) with the birth
year, never the birth date: the cipher and the hash are never shown, a number is typed in
only when a person is entered or corrected, and the full number is read on the person's
page (audited). Every list is scoped like the selectors (``visible_people``)."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import HiddenInput, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shuniu.core.actors import Actor
from shuniu.core.admin import AdminRefusal, RefusalAsMessage
from shuniu.core.errors import StaleVersion
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    GraduateCohort,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.selectors import visible_people
from shuniu.workforce.services import (
    certificate_add,
    employment_start,
    person_register,
    person_update,
)

_M = TypeVar("_M", bound=Model)


class _ServiceAdmin(RefusalAsMessage[_M]):
    """Saves through the services (a refused save is a message); lists scoped to people."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records end by dates (employment ends, certificates are revoked), not by deletion.
        return False

    # The lookup from a record to its person, for scoping ("" for people themselves).
    person_path: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[_M]:
        qs = super().get_queryset(request)
        if self.person_path is None:
            return qs
        people = visible_people(request.user)
        if not self.person_path:
            return qs.filter(pk__in=people.values("pk"))
        return qs.filter(**{f"{self.person_path}__in": people.values("pk")})


class _ReadOnlyAdmin(_ServiceAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _PersonRecordInline(admin.TabularInline[_M, Person]):
    """A person's records of one kind, shown (read-only, linked) on the person's form."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CertificateInline(_PersonRecordInline[Certificate]):
    model = Certificate
    fields = ("number", "level", "exam_year", "issued_on", "registered_division", "revoked_on")


class EmploymentInline(_PersonRecordInline[Employment]):
    model = Employment
    fields = ("organization", "role", "starts_on", "ends_on", "full_time")


class PersonForm(ModelForm[Person]):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        required=False,
        help_text=_("Required for a new person; fill in only to correct the number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "education_level",
            "university",
            "major",
            "graduation_year",
            "phone",
            "source",
            "synthetic",
            "version",
        ]
        widgets = {"version": HiddenInput()}


_PERSON_EDITABLE = {
    "name",
    "education_level",
    "university",
    "major",
    "graduation_year",
    "phone",
    "source",
}


@admin.register(Person)
class PersonAdmin(_ServiceAdmin[Person]):
    form = PersonForm
    person_path = ""
    list_display = ["name", "id_shown", "sex", "birth_year", "education_level", "synthetic"]
    list_filter = ["sex", "education_level", "synthetic"]
    # Not the stored mask: a fragment such as "*1" would tell its hidden digits.
    search_fields = ["name"]
    raw_id_fields = ["university"]
    readonly_fields = ["id_shown", "sex", "birth_year"]
    inlines = [CertificateInline, EmploymentInline]
    fields = [
        "name",
        "id_shown",
        "id_number",
        "sex",
        "birth_year",
        "education_level",
        "university",
        "major",
        "graduation_year",
        "phone",
        "source",
        "synthetic",
        "version",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:  # nothing to show of a number not entered yet
            return [f for f in self.fields if f not in ("id_shown", "sex", "birth_year")]
        return self.fields

    @admin.display(description=_("ID number"))
    def id_shown(self, obj: Person) -> str:
        return obj.id_shown

    @admin.display(description=_("birth year"))
    def birth_year(self, obj: Person) -> int:
        return obj.birth_date.year

    def save_model(
        self, request: HttpRequest, obj: Person, form: ModelForm[Person], change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            if change:
                changes = {f: data[f] for f in form.changed_data if f in _PERSON_EDITABLE}
                if data.get("id_number"):
                    changes["id_number"] = data["id_number"]
                saved = person_update(
                    actor=request.user,
                    person=obj,
                    expected_version=data.get("version"),
                    **changes,
                )
            else:
                saved = person_register(
                    actor=request.user,
                    name=data["name"],
                    id_number=data.get("id_number") or "",
                    education_level=data.get("education_level") or "",
                    university=data.get("university"),
                    major=data.get("major") or "",
                    graduation_year=data.get("graduation_year"),
                    phone=data.get("phone") or "",
                    source=data.get("source") or "",
                    synthetic=data.get("synthetic", False),
                )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            raise AdminRefusal(exc) from exc
        obj.pk = saved.pk
        obj.version = saved.version

    def save_related(
        self, request: HttpRequest, form: ModelForm[Person], formsets: Any, change: bool
    ) -> None:
        # The inlines are read-only; the service saved everything there is.
        return None

    def construct_change_message(
        self, request: HttpRequest, form: forms.Form, formsets: Any, add: bool = False
    ) -> list[Any]:
        # The audit trail records the change; the inline formsets were never saved.
        return []


class _AddedOnlyAdmin(_ServiceAdmin[_M]):
    """Records added here through their service (``add``, given the ``add_fields``) and
    read-only once saved: they change by their own services (revoked, ended)."""

    add_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else []

    def add(self, actor: Actor, values: dict[str, Any]) -> _M:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: _M, form: ModelForm[_M], change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        try:
            saved = self.add(request.user, {f: data[f] for f in self.add_fields})
        except (ValidationError, PermissionDenied) as exc:
            raise AdminRefusal(exc) from exc
        obj.pk = saved.pk


_CERTIFICATE_FIELDS = ["person", "level", "number", "exam_year", "issued_on", "registered_division"]
_EMPLOYMENT_FIELDS = ["person", "organization", "role", "starts_on", "ends_on", "full_time"]


@admin.register(Certificate)
class CertificateAdmin(_AddedOnlyAdmin[Certificate]):
    list_display = ["number", "person", "level", "exam_year", "issued_on", "revoked_on"]
    list_filter = ["level", "exam_year"]
    person_path = "person"
    search_fields = ["number", "person__name"]
    raw_id_fields = ["person", "registered_division"]
    list_select_related = ["person"]
    fields = add_fields = tuple(_CERTIFICATE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.fields, "revoked_on"] if obj is not None else []

    def add(self, actor: Actor, values: dict[str, Any]) -> Certificate:
        return certificate_add(actor=actor, **values)


@admin.register(Employment)
class EmploymentAdmin(_AddedOnlyAdmin[Employment]):
    list_display = ["person", "organization", "role", "starts_on", "ends_on", "full_time"]
    list_filter = ["role", "full_time"]
    person_path = "person"
    search_fields = ["person__name", "organization__name"]
    raw_id_fields = ["person", "organization"]
    list_select_related = ["person", "organization"]
    fields = add_fields = tuple(_EMPLOYMENT_FIELDS)

    def add(self, actor: Actor, values: dict[str, Any]) -> Employment:
        return employment_start(actor=actor, **values)


@admin.register(CertificateRegistration)
class CertificateRegistrationAdmin(_ReadOnlyAdmin[CertificateRegistration]):
    person_path = "certificate__person"
    list_display = ["certificate", "starts_on", "ends_on", "ce_hours"]
    list_select_related = ["certificate"]


@admin.register(GraduateCohort)
class GraduateCohortAdmin(_ReadOnlyAdmin[GraduateCohort]):
    list_display = ["university", "year", "degree_level", "graduates"]
    list_filter = ["year", "degree_level"]
    list_select_related = ["university"]


@admin.register(Programme)
class ProgrammeAdmin(_ReadOnlyAdmin[Programme]):
    list_display = ["name", "year", "region", "organizer"]
    list_select_related = ["region", "organizer"]


@admin.register(Placement)
class PlacementAdmin(_ReadOnlyAdmin[Placement]):
    list_display = ["person", "programme", "division", "community", "starts_on", "ends_on"]
    list_select_related = ["person", "programme", "division"]
    person_path = "person"
    search_fields = ["person__name", "community"]
