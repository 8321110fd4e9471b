from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import Organization, OrganizationEvent, OrganizationPeriod

HEADER_ZH = "统一社会信用代码,名称,类型,登记管理机关区划,成立日期,登记日期,地址,服务领域"
HEADER_EN = "uscc,name,kind,registrar_division,founded_on,registered_on,address,service_fields"


def code(serial: int, division: str = "110101", category: str = "2") -> str:
    """A valid credit code that the shared factories never produce (serials from 9,000,000)."""
    return codes.generate_uscc(category=category, division=division, serial=9_000_000 + serial)


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_command(*args: str) -> Outcome:
    """``shuniu import …`` through call_command, with its exit code and both streams."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        return Outcome(exc.returncode, out.getvalue(), err.getvalue())
    return Outcome(0, out.getvalue(), err.getvalue())


def written_counts() -> dict[str, int]:
    through = Organization.service_fields.through
    return {
        "organizations": Organization.objects.count(),
        "events": OrganizationEvent.objects.count(),
        "periods": OrganizationPeriod.objects.count(),
        "audit": AuditRecord.objects.count(),
        "service_fields": through.objects.count(),
    }


@pytest.fixture
def officer(db):
    """A user with an officer role in each division code given (no password: hashing is slow)."""

    def make(username: str, *division_codes: str):
        user = get_user_model().objects.create(username=username)
        for division_code in division_codes:
            RoleAssignment.objects.create(
                user=user, role=Role.OFFICER, division=Division.objects.get(code=division_code)
            )
        return user

    return make


@pytest.fixture
def csv_file(tmp_path):
    """Write CSV text (lines joined with CRLF, as Excel does) in an encoding; return the path."""

    def write(lines: list[str], *, encoding: str = "utf-8", name: str = "orgs.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write
