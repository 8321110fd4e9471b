"""Every write to the workforce. Interfaces (API, web, CLI, import) call these only.

Who may write (docs/decisions.md): administrators anywhere; officers where the record lies
in their jurisdiction (a certificate's registered division, an employer's registrar
division, a university's, a programme's region, a placement's division); agency staff
start and end employment at their own organization only. A person enters together with a
certificate or an employment that links them to the actor's jurisdiction (administrators
may enter a person alone): otherwise nobody but administrators could see them afterwards.

ID numbers never reach the audit trail or the logs: snapshots of a person leave out the
cipher and the hash, and keep the masked form.
"""

from __future__ import annotations

from shuniu.workforce.services._shared import (
    FIRST_EXAM_YEAR,
    MIN_AGE,
    certificate_number_clean,
    id_number_clean,
    level_clean,
    person_snapshot,
)
from shuniu.workforce.services.certificates import (
    certificate_add,
    certificate_registration_add,
    certificate_registration_update,
    certificate_revoke,
    registration_period_end,
)
from shuniu.workforce.services.employments import employment_end, employment_start
from shuniu.workforce.services.people import (
    PERSON_UPDATABLE,
    CertificateSpec,
    EmploymentSpec,
    person_id_number,
    person_register,
    person_update,
)
from shuniu.workforce.services.pipeline import cohort_record, placement_add, programme_create

__all__ = [
    "FIRST_EXAM_YEAR",
    "MIN_AGE",
    "PERSON_UPDATABLE",
    "CertificateSpec",
    "EmploymentSpec",
    "certificate_add",
    "certificate_number_clean",
    "certificate_registration_add",
    "certificate_registration_update",
    "certificate_revoke",
    "cohort_record",
    "employment_end",
    "employment_start",
    "id_number_clean",
    "level_clean",
    "person_id_number",
    "person_register",
    "person_snapshot",
    "person_update",
    "placement_add",
    "programme_create",
    "registration_period_end",
]
