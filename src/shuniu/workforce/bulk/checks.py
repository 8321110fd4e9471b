"""Step 1 of the people import: each row checked on its own, organizations and divisions
resolved by code or name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import covered_division_ids
from shuniu.core.actors import Actor
from shuniu.core.errors import ValidationError
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry import codes
from shuniu.registry.models import Kind, Organization
from shuniu.workforce.bulk.rows import PersonRow, RowError, _Problems, _Valid
from shuniu.workforce.identity import IdNumber, InvalidIdNumber, Protector, parse_id_number
from shuniu.workforce.models import EducationLevel, EmploymentRole, Level, Sex
from shuniu.workforce.services import FIRST_EXAM_YEAR, MIN_AGE, certificate_number_clean

# A certificate whose issue date is not given counts from the end of June of its exam
# year: the national exam is held in June (docs/decisions.md).
DEFAULT_ISSUE_MONTH_DAY = (6, 30)


_PHONE = re.compile(r"[0-9+\-() ]{3,32}")


_SEXES = frozenset(Sex.values)


_EDUCATION = frozenset(EducationLevel.values)


_ROLES = frozenset(EmploymentRole.values)


_LEVELS = frozenset(Level.values)


_NOTHING: frozenset[str] = frozenset()


# Entries a memo of the row checks keeps before it starts again.
_MEMO_LIMIT = 20_000


_CERTIFICATE_DIVISION_LEVELS = (DivisionLevel.PROVINCE, DivisionLevel.CITY, *COUNTY_LEVELS)


# An organization by credit code or exact name (both indexed): the rows of both.
_ORGANIZATION_LOOKUP = (
    f"SELECT id, uscc, name, kind, registrar_division_id FROM {Organization._meta.db_table} "  # noqa: S608 the model's table; the values are parameters
    "WHERE uscc = %s OR name = %s"
)


@dataclass(frozen=True)
class _Org:
    id: int
    kind: str
    division_id: int
    division: Division


def _nothing() -> None:
    return None


class _References:
    """Organizations and divisions as the rows name them. Organizations are looked up when a
    row first names one (one indexed query per distinct credit code or name, then
    remembered): a file names a few hundred employers, where loading the whole registry
    (20,000 organizations at national scale, about 11 MiB) counted against the import's
    memory."""

    def __init__(self, actor: Actor) -> None:
        self.index = DivisionIndex.load()
        self.covered = covered_division_ids(actor, self.index)
        # The organizations found so far, by id (the audit's division of an employment).
        self.by_id: dict[int, _Org] = {}
        self.divisions_by_name: dict[str, list[Division]] = self.index.names(_token)
        # Files repeat the same few hundred employers and divisions on every row.
        self._orgs: dict[str, _Org | str] = {}
        self._divisions: dict[str, Division | str] = {}
        # Called before a lookup reads the database: the import sets it when its inserts may
        # be running in a thread on a connection that must not be shared meanwhile.
        self.before_read: Callable[[], None] = _nothing

    def organization(self, text: str) -> _Org | str:
        """The organization a credit code or exact name designates, or why there is none."""
        found = self._orgs.get(text)
        if found is None:
            found = self._find_organization(text)
            self._orgs[text] = found
        return found

    def _find_organization(self, text: str) -> _Org | str:
        code = codes.normalize_uscc(text)
        self.before_read()
        with connection.cursor() as cursor:
            cursor.execute(_ORGANIZATION_LOOKUP, [code, text])
            rows = cursor.fetchall()
        by_code = [row for row in rows if row[1] == code]
        named = [row for row in rows if row[2] == text]
        if by_code:
            return self._org(by_code[0])
        if len(named) == 1:
            return self._org(named[0])
        if named:
            return _("Several organizations are named %(name)s; give the credit code.") % {
                "name": text
            }
        return _("No organization has the credit code or name %(value)s.") % {"value": text}

    def _org(self, row: tuple[Any, ...]) -> _Org:
        pk, _uscc, _name, kind, division_id = row
        org = self.by_id.get(pk)
        if org is None:
            org = self.by_id[pk] = _Org(pk, kind, division_id, self.index.by_id[division_id])
        return org

    def division(self, text: str) -> Division | str:
        found = self._divisions.get(text)
        if found is None:
            found = self._find_division(text)
            self._divisions[text] = found
        return found

    def _find_division(self, text: str) -> Division | str:
        if text.isdigit():
            division = self.index.by_code.get(text)
            if division is None:
                return _("No division has the code %(code)s.") % {"code": text}
            return division
        named = self.divisions_by_name.get(_token(text), [])
        if len(named) == 1:
            return named[0]
        if named:
            return _("Several divisions are named %(name)s; give the code or the city too.") % {
                "name": text
            }
        return _("No division is named %(name)s.") % {"name": text}

    def division_code_of(self, organization_id: int) -> str:
        org = self.by_id.get(organization_id)
        return org.division.code if org is not None else ""

    def covers(self, division_id: int) -> bool:
        return self.covered is None or division_id in self.covered


def _token(value: str) -> str:
    return "".join(value.split()).lower()


class RowChecks:
    """Each row on its own: the rules of ``workforce.services`` for one record at a time,
    with organizations and divisions resolved through ``_References``."""

    def __init__(
        self, *, refs: _References, problems: _Problems, protector: Protector, today: dt.date
    ) -> None:
        self.refs = refs
        self.problems = problems
        self.protector = protector
        self.today = today
        self._issue_dates: dict[int, dt.date] = {}
        # Rows repeat the same birth dates, divisions and issue dates: what was worked out
        # for one is remembered (cleared when it grows past _MEMO_LIMIT).
        self._sixteenths: dict[dt.date, dt.date] = {}
        self._registrations: dict[tuple[int, dt.date | None], str] = {}

    def check_row(self, row: PersonRow) -> _Valid | None:
        """The row resolved, or None when it has a problem (reported).

        The rules are those of ``workforce.services`` for one record at a time.
        """
        number = row.row
        # Columns whose cells could not be read are not checked again.
        problems: list[RowError] = list(row.errors) if row.errors else []
        faulty = {e.field for e in problems} if problems else _NOTHING

        def add(column: str, reason: str) -> None:
            problems.append(RowError(number, column, reason))

        name = row.name.strip()
        if not name:
            if "name" not in faulty:
                add("name", _("A name is required."))
        elif len(name) > 100:
            add("name", _("At most 100 characters."))
        ident = None
        if "id_number" not in faulty:
            if not row.id_number.strip():
                add("id_number", _("An ID number is required."))
            else:
                try:
                    ident = parse_id_number(row.id_number, today=self.today)
                except InvalidIdNumber as exc:
                    add("id_number", str(exc))
        university_id = self._check_person(row, ident, faulty, add)
        employer = self._check_job(row, ident, faulty, add)
        certificate = self._check_certificate(row, ident, employer, faulty, add)
        if (
            self.refs.covered is not None
            and employer is None
            and certificate is None
            and not problems
        ):
            add(
                "employer",
                _(
                    "Officers import people with a certificate or an employment in their "
                    "jurisdiction; only administrators may enter a person alone."
                ),
            )
        if problems:
            for error in problems:
                self.problems.add(error)
            return None
        assert ident is not None
        valid = _Valid(number, name, ident, self.protector.match(ident.number))
        valid.person = (
            row.education_level,
            university_id,
            row.major,
            row.graduation_year,
            row.phone,
            row.source,
        )
        if certificate is not None:
            (
                valid.cert_number,
                valid.level,
                valid.exam_year,
                valid.issued_on,
                valid.cert_division,
            ) = certificate
            valid.issued_given = row.issued_on is not None
            valid.cert_division_given = bool(row.registered_division)
        if employer is not None:
            valid.employer_id = employer.id
            valid.role = row.role
            valid.starts_on = row.employment_starts_on
            valid.ends_on = row.employment_ends_on
        return valid

    def _check_person(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> int | None:
        """Checks of the person's own columns; the university's id."""
        if row.sex and "sex" not in faulty:
            if row.sex not in _SEXES:
                add("sex", _("Unknown sex %(value)s.") % {"value": row.sex})
            elif ident is not None and ident.sex != row.sex:
                add("sex", _("The ID number says %(sex)s.") % {"sex": Sex(ident.sex).label})
        if row.education_level and row.education_level not in _EDUCATION:
            add(
                "education_level",
                _("Unknown education %(value)s.") % {"value": row.education_level},
            )
        university_id = None
        if row.university and "university" not in faulty:
            found = self.refs.organization(row.university)
            if isinstance(found, str):
                add("university", found)
            elif found.kind != Kind.UNIVERSITY:
                add(
                    "university",
                    _("%(value)s is not a university (its kind is %(kind)s).")
                    % {"value": row.university, "kind": Kind(found.kind).label},
                )
            else:
                university_id = found.id
        if len(row.major) > 100:
            add("major", _("At most 100 characters."))
        if row.phone and not _PHONE.fullmatch(row.phone):
            add("phone", _("A phone number has digits, spaces and + - ( ) only."))
        if len(row.source) > 255:
            add("source", _("At most 255 characters."))
        year = row.graduation_year
        if (
            year is not None
            and ident is not None
            and not ident.birth_date.year + MIN_AGE <= year <= self.today.year + 1
        ):
            add(
                "graduation_year",
                _("%(year)s is not a plausible graduation year for someone born in %(born)s.")
                % {"year": year, "born": ident.birth_date.year},
            )
        return university_id

    def _check_job(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> _Org | None:
        """Checks of the employment's columns; the employer, if the row has a job."""
        if not (row.employer or row.role or row.employment_starts_on or row.employment_ends_on):
            return None
        employer = None
        if not row.employer:
            if "employer" not in faulty:
                add("employer", _("An employment needs the employer."))
        elif "employer" not in faulty:
            found = self.refs.organization(row.employer)
            if isinstance(found, str):
                add("employer", found)
            elif not self.refs.covers(found.division_id):
                add("employer", _("This employer is outside your jurisdiction."))
            else:
                employer = found
        if row.role and row.role not in _ROLES:
            add("role", _("Unknown role %(value)s.") % {"value": row.role})
        starts, ends = row.employment_starts_on, row.employment_ends_on
        if starts is None:
            if "employment_starts_on" not in faulty:
                add("employment_starts_on", _("An employment needs its start date."))
        elif ident is not None and starts < self._sixteenth(ident.birth_date):
            add("employment_starts_on", self._too_young(starts, ident.birth_date))
        if starts is not None and ends is not None and ends <= starts:
            add("employment_ends_on", _("An employment ends after it starts."))
        return employer

    def _check_certificate(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        employer: _Org | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> tuple[str, int, int, dt.date, Division] | None:
        """Checks of the certificate's columns; (number, level, exam year, issue date,
        registered division) if the row has a sound certificate."""
        if not (
            row.certificate_level
            or row.certificate_number
            or row.exam_year
            or row.issued_on
            or row.registered_division
        ):
            return None
        sound = True
        level = row.certificate_level
        if level is None or level not in _LEVELS:
            sound = False
            if "certificate_level" not in faulty:
                add(
                    "certificate_level",
                    _("A certificate needs its level.")
                    if level is None
                    else _("Unknown level %(value)s.") % {"value": level},
                )
        cert_number = ""
        if "certificate_number" in faulty:
            sound = False
        elif not row.certificate_number:
            sound = False
            add("certificate_number", _("A certificate needs its number."))
        else:
            try:
                cert_number = certificate_number_clean(row.certificate_number)
            except ValidationError as exc:
                sound = False
                add("certificate_number", " ".join(exc.messages))
        exam_year = row.exam_year
        issued_on = row.issued_on
        if exam_year is None:
            sound = False
            if "exam_year" not in faulty:
                add("exam_year", _("A certificate needs the year of its exam."))
        elif not FIRST_EXAM_YEAR <= exam_year <= self.today.year:
            sound = False
            add(
                "exam_year",
                _("%(year)s is not an exam year (%(first)s to %(last)s).")
                % {"year": exam_year, "first": FIRST_EXAM_YEAR, "last": self.today.year},
            )
        elif issued_on is None:
            issued_on = self._default_issue(exam_year)
        elif not exam_year <= issued_on.year or issued_on > self.today:
            sound = False
            add("issued_on", _("The issue date lies between the exam year and today."))
        if issued_on is None or "issued_on" in faulty:
            sound = False
        elif ident is not None and issued_on < self._sixteenth(ident.birth_date):
            sound = False
            add("issued_on", self._too_young(issued_on, ident.birth_date))
        division: Division | None = None
        if row.registered_division:
            if "registered_division" in faulty:
                sound = False
            else:
                found = self.refs.division(row.registered_division)
                if isinstance(found, str):
                    add("registered_division", found)
                else:
                    division = found
        elif employer is not None:
            division = employer.division
            parent_id = division.parent_id
            if issued_on is not None and not division.is_valid_on(issued_on) and parent_id:
                # The employer's district did not exist yet when the certificate was
                # issued (密云区 was 密云县 until 2015): it counts in the city.
                division = self.refs.index.by_id[parent_id]
        elif not row.employer:
            add(
                "registered_division",
                _("A certificate needs the division it is registered in (or an employer)."),
            )
        if division is not None:
            key = (division.id, issued_on)
            reason = self._registrations.get(key)
            if reason is None:
                if len(self._registrations) >= _MEMO_LIMIT:
                    self._registrations.clear()
                reason = self._registrations[key] = self._registration_problem(division, issued_on)
            if reason:
                if not row.registered_division:
                    reason = _("The employer's division: %(reason)s") % {"reason": reason}
                add("registered_division", reason)
                division = None
        if not sound or division is None or issued_on is None or level is None:
            return None
        return cert_number, level, exam_year or 0, issued_on, division

    def _registration_problem(self, division: Division, issued_on: dt.date | None) -> str:
        """Why a certificate cannot be registered in ``division`` (services' rules)."""
        if division.level not in _CERTIFICATE_DIVISION_LEVELS:
            return _("A certificate is registered with a city or a district, not a %(level)s.") % {
                "level": division.get_level_display()
            }
        if not self.refs.covers(division.id):
            return _("%(division)s is outside your jurisdiction.") % {"division": division.name}
        if issued_on is not None and not division.is_valid_on(issued_on):
            holder = self.refs.index.holder(division.id, issued_on)
            hint = (
                _("; use %(code)s %(name)s") % {"code": holder.code, "name": holder.name}
                if holder.id != division.id
                else ""
            )
            return (
                _("%(name)s (%(code)s) did not exist on %(date)s")
                % {"name": division.name, "code": division.code, "date": issued_on.isoformat()}
                + hint
            )
        return ""

    def _sixteenth(self, birth: dt.date) -> dt.date:
        found = self._sixteenths.get(birth)
        if found is None:
            try:
                found = birth.replace(year=birth.year + MIN_AGE)
            except ValueError:  # born on 29 February
                found = dt.date(birth.year + MIN_AGE, 3, 1)
            if len(self._sixteenths) >= _MEMO_LIMIT:
                self._sixteenths.clear()
            self._sixteenths[birth] = found
        return found

    def _too_young(self, day: dt.date, birth: dt.date) -> str:
        return _("%(date)s is before the person's 16th birthday (%(birthday)s).") % {
            "date": day.isoformat(),
            "birthday": self._sixteenth(birth).isoformat(),
        }

    def _default_issue(self, exam_year: int) -> dt.date:
        issued = self._issue_dates.get(exam_year)
        if issued is None:
            issued = min(dt.date(exam_year, *DEFAULT_ISSUE_MONTH_DAY), self.today)
            self._issue_dates[exam_year] = issued
        return issued
