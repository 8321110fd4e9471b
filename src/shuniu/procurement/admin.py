"""Back office for purchasing: read-only. Every write goes through the services (checked as
of its dates, versioned and audited), which the admin's plain saves would bypass; refused
attempts are a compliance record nobody edits."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shuniu.procurement.models import (
    Award,
    Contract,
    Evaluation,
    EvaluationScheme,
    Post,
    Purchase,
    RefusedAttempt,
    ServiceReport,
)


class ReadOnlyAdmin(admin.ModelAdmin[Model]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ("ocid", "title", "kind", "method", "status", "budget", "planned_on")
    list_filter = ("kind", "method", "status")
    search_fields = ("ocid", "title", "title_en")
    list_select_related = ("buyer",)


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("purchase", "supplier", "amount", "awarded_on", "overridden")
    list_select_related = ("purchase", "supplier")


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("purchase", "signed_on", "starts_on", "ends_on", "amount", "terminated_on")
    list_select_related = ("purchase",)


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyAdmin):
    list_display = ("contract", "period_start", "period_end", "status", "decided_on")


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("contract", "title", "count", "required_level", "monthly_salary")


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "excellent_from", "good_from", "pass_from")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("contract", "stage", "evaluator", "status", "completed_on", "grade")
    list_select_related = ("evaluator",)


@admin.register(RefusedAttempt)
class RefusedAttemptAdmin(ReadOnlyAdmin):
    list_display = ("purchase", "code", "at", "actor_label")
    list_filter = ("code",)
