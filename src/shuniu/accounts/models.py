from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    OFFICER = "officer", _("officer")
    AGENCY_STAFF = "agency_staff", _("agency staff")
    EVALUATOR = "evaluator", _("evaluator")


class RoleAssignment(models.Model):
    """What a user may do, and where: an officer's jurisdiction is a city or a district;
    agency staff act for one organization. A user may hold several assignments."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(division__isnull=False),
                name="officer_needs_jurisdiction",
            ),
            models.CheckConstraint(
                condition=~Q(role="agency_staff") | Q(organization__isnull=False),
                name="agency_staff_needs_organization",
            ),
        ]

    def __str__(self) -> str:
        where = self.division or self.organization or ""
        return f"{self.user} · {self.get_role_display()} {where}".strip()


class ApiToken(models.Model):
    """A bearer token. Only a hash is stored; the token is shown once, when created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
