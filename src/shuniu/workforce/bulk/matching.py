"""Steps 2 and 3 of the people import: a chunk of checked rows looked up in the store and
matched against it and the earlier rows; what is new or changed goes to the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from shuniu.workforce.bulk.audit import _Auditing
from shuniu.workforce.bulk.rows import _CHANGED, _PERSON_COLUMN, _PERSON_FIELDS, _SEEN, _Valid
from shuniu.workforce.bulk.store import _TABLES, _as_date
from shuniu.workforce.models import EmploymentRole
from shuniu.workforce.selectors import manageable_person_ids


class _Matching(_Auditing):
    def _chunk(self, chunk: list[_Valid]) -> None:
        db = self.db
        hashes = list({v.id_hash for v in chunk})
        # Person state: [id, name, id_masked, *_PERSON_FIELDS, version, sex, birth, synthetic]
        columns = ", ".join(f"t.{name}" for name in _PERSON_FIELDS)
        people: dict[str, list[Any]] = {
            row[0]: list(row[1:])
            for row in db.lookup(
                "person",
                f"t.id_hash, t.id, t.name, t.id_masked, {columns}, t.version, t.sex, "
                "t.birth_date, t.synthetic",
                "id_hash",
                hashes,
                "varchar",
            )
        }
        if self.older_keys:
            alias = {
                older: v.id_hash
                for v in chunk
                if v.id_hash not in people
                for older in self.protector.other_hashes(v.ident.number)
            }
            for row in (
                db.lookup(
                    "person",
                    f"t.id_hash, t.id, t.name, t.id_masked, {columns}, t.version, t.sex, "
                    "t.birth_date, t.synthetic",
                    "id_hash",
                    list(alias),
                    "varchar",
                )
                if alias
                else ()
            ):
                people[alias[row[0]]] = list(row[1:])
        # Employments are looked up for the people found stored; those of the last chunk's
        # new people are all among its new employments (recent_jobs).
        found_ids = [state[0] for state in people.values()]
        # The last chunk's new people, whose inserts may still be running (see the store).
        people.update(self.recent_people)
        self.in_scope = self._in_scope(people)
        numbers = list({v.cert_number for v in chunk if v.cert_number})
        certificates: dict[str, tuple[Any, ...]] = {}
        if numbers:
            for number, *rest in db.lookup(
                "certificate",
                "t.number, t.id, t.person_id, t.level, t.exam_year, t.issued_on, "
                "t.registered_division_id",
                "number",
                numbers,
                "varchar",
            ):
                rest[4] = _as_date(rest[4])
                certificates[number] = tuple(rest)
            certificates.update(self.recent_certificates)
        jobs: dict[tuple[int, int, dt.date | None], list[Any]] = {}
        if found_ids:
            for pk, person_id, org_id, starts_on, role, ends_on in db.lookup(
                "employment",
                "t.id, t.person_id, t.organization_id, t.starts_on, t.role, t.ends_on",
                "person_id",
                found_ids,
                "bigint",
            ):
                jobs[(person_id, org_id, _as_date(starts_on))] = [pk, role, _as_date(ends_on)]
        # As stored: copies, changed through updates like those of earlier chunks.
        for key, job in self.recent_jobs.items():
            jobs[key] = list(job)
        self.new_people: list[list[Any]] = []
        # Ids of the people created in this chunk (inserted at its end, not updated).
        self.chunk_people: set[int] = set()
        self.new_certificates: list[tuple[Any, ...]] = []
        self.new_jobs: list[list[Any]] = []
        # Changes to records stored before this chunk: id -> state (people), or
        # employment id -> [role, ends_on]; with the state before, for the audit.
        self.person_updates = {}
        self.person_before = {}
        self.job_updates = {}
        self.job_before = {}
        # The division each changed record is audited under (its changing row's).
        self.update_codes: dict[tuple[str, int], str] = {}
        for valid in chunk:
            person_id = self._person(valid, people)
            if person_id is None:
                continue
            if valid.cert_number:
                self._certificate(valid, person_id, certificates)
            if valid.employer_id is not None:
                self._job(valid, person_id, jobs)
        self._audit_updates()
        self.db.write_chunk(
            now=self.now,
            synthetic=self.synthetic,
            first_person=self.first_person,
            first_job=self.first_job,
            new_people=self.new_people,
            new_certificates=self.new_certificates,
            new_jobs=self.new_jobs,
            person_updates=self.person_updates,
            job_updates=self.job_updates,
        )
        # The chunk's batch records are made while its inserts run (in the background, see
        # the store) and inserted after them.
        self._audit_batch(chunk[0].row if chunk else 0, chunk[-1].row if chunk else 0)
        # What the next chunk's lookups may not find yet: its store's inserts may still be
        # running (in the background on SQLite) when it looks up this chunk's records.
        # Where the lookups wait for them (PostgreSQL), nothing is kept: they find it all.
        if self.db.lookups_may_miss_last_chunk:
            self.recent_people = {state[10]: state for state in self.new_people}
            self.recent_certificates = {
                c[3]: (c[0], c[1], c[2], c[4], c[5], c[6]) for c in self.new_certificates
            }
            self.recent_jobs = {job[3]: (job[0], job[1], job[2]) for job in self.new_jobs}
        self.chunks += 1
        if self.db.postgres and self.chunks & (self.chunks - 1) == 0:
            # After chunks 1, 2, 4, 8, …: the planner must know the tables have grown, or
            # it keeps scanning them whole for each chunk's lookups.
            for table in _TABLES.values():
                self.db.execute(f"ANALYZE {table}")

    def _in_scope(self, people: dict[str, list[Any]]) -> set[int] | None:
        """The stored people of the chunk whose fields the actor may change (None: all).

        Those of ``workforce.selectors.manageable_person_ids``, in one query for the chunk,
        counting only the links stored before the import began: a row linking someone
        (a job or certificate in the officer's jurisdiction) does not let another row, or
        the same, change what another jurisdiction keeps.
        """
        if self.refs.covered is None:
            return None
        stored = [state[0] for state in people.values() if state[0] < self.first_person]
        return manageable_person_ids(
            actor=self.actor,
            person_ids=stored,
            certificates_before=self.first_certificate,
            employments_before=self.first_job,
            division_ids=self.refs.covered,
        )

    def _person(self, valid: _Valid, people: dict[str, list[Any]]) -> int | None:
        state = people.get(valid.id_hash)
        if state is None:
            person_id: int = self.next_person
            self.next_person += 1
            self.person_rows.append(valid.row)
            ident = valid.ident
            education, university, major, graduation, phone, source = valid.person
            state = [
                person_id,
                valid.name,
                valid.masked,
                education,
                university,
                major,
                graduation,
                phone,
                source,
                self.protector.seal(ident.number, row=person_id),
                valid.id_hash,
                ident.sex,
                ident.birth_date,
            ]
            people[valid.id_hash] = state
            self.new_people.append(state)
            self.chunk_people.add(person_id)
            return person_id
        person_id = state[0]
        created = person_id >= self.first_person
        if valid.name != state[1]:
            if created:
                first = self.person_rows[person_id - self.first_person]
                reason = _("Row %(row)s has the same ID number with another name (%(name)s).") % {
                    "row": first,
                    "name": state[1],
                }
            else:
                reason = _(
                    "The person stored with this ID number has another name; correct the "
                    "name or the ID number."
                )
            self._add(valid.row, "name", reason)
            return None
        changed = 0
        problem = False
        for position, given in enumerate(valid.person):
            if given is None or given == "":
                continue
            current = state[3 + position]
            if given == current:
                continue
            bit = 1 << position
            if current is not None and current != "":
                if created:
                    first = self.person_rows[person_id - self.first_person]
                elif person_id in self.changed_people and self.changed_people[person_id][1] & bit:
                    first = self.changed_people[person_id][0]
                else:
                    first = 0
                if first:
                    self._add(
                        valid.row,
                        _PERSON_COLUMN.get(_PERSON_FIELDS[position], _PERSON_FIELDS[position]),
                        _("Row %(row)s gives this person another value.") % {"row": first},
                    )
                    problem = True
                    continue
            changed |= bit
        if problem:
            return None
        if changed and not created and self.in_scope is not None and person_id not in self.in_scope:
            # Knowing the whole number links the person (a job or certificate in the
            # actor's jurisdiction); what another jurisdiction keeps is not changed.
            for position, name in enumerate(_PERSON_FIELDS):
                if changed & (1 << position):
                    self._add(
                        valid.row,
                        _PERSON_COLUMN.get(name, name),
                        _(
                            "This person's record is kept by another jurisdiction: leave "
                            "this column blank, or ask an administrator to change it."
                        ),
                    )
            return None
        if not created:
            self.people_flags[person_id] |= _SEEN
        if changed:
            if not created:
                if person_id not in self.person_before:
                    self.person_before[person_id] = list(state)
                row, bits = self.changed_people.get(person_id, (valid.row, 0))
                self.changed_people[person_id] = (row, bits | changed)
                self.people_flags[person_id] |= _CHANGED
            for position in range(len(_PERSON_FIELDS)):
                if changed & (1 << position):
                    state[3 + position] = valid.person[position]
            # New people of this chunk are inserted with their final state.
            if person_id not in self.chunk_people:
                self.person_updates[person_id] = state
                self.update_codes.setdefault(("person", person_id), self._row_code(valid))
        return person_id

    def _certificate(
        self, valid: _Valid, person_id: int, certificates: dict[str, tuple[Any, ...]]
    ) -> None:
        number = valid.cert_number
        stored = certificates.get(number)
        division = valid.cert_division
        assert division is not None
        if stored is None:
            certificate_id = self.next_certificate
            self.next_certificate += 1
            self.certificate_rows.append(valid.row)
            values = (
                certificate_id,
                person_id,
                valid.level,
                valid.exam_year,
                valid.issued_on,
                division.id,
            )
            certificates[number] = values
            self.new_certificates.append(
                (certificate_id, person_id, valid.level, number, valid.exam_year, valid.issued_on,
                 division.id)
            )  # fmt: skip
            self._touch_person(person_id)
            return
        certificate_id, holder, level, exam_year, issued_on, division_id = stored
        created = certificate_id >= self.first_certificate
        first = self.certificate_rows[certificate_id - self.first_certificate] if created else 0
        if holder != person_id:
            self._add(
                valid.row,
                "certificate_number",
                _("Row %(row)s gives this certificate number to another person.") % {"row": first}
                if created
                else _("This certificate number is stored for another person."),
            )
            return
        if not created:
            self.certificate_flags[certificate_id] |= _SEEN
        for differs, column in (
            (level != valid.level, "certificate_level"),
            (exam_year != valid.exam_year, "exam_year"),
            (valid.issued_given and issued_on != valid.issued_on, "issued_on"),
            (valid.cert_division_given and division_id != division.id, "registered_division"),
        ):
            if differs:
                self._add(
                    valid.row,
                    column,
                    _("Row %(row)s gives this certificate another value.") % {"row": first}
                    if created
                    else _(
                        "The stored certificate with this number says otherwise; certificates "
                        "are corrected in the register, not by import."
                    ),
                )

    def _job(
        self, valid: _Valid, person_id: int, jobs: dict[tuple[int, int, dt.date | None], list[Any]]
    ) -> None:
        assert valid.employer_id is not None
        assert valid.starts_on is not None
        key = (person_id, valid.employer_id, valid.starts_on)
        stored = jobs.get(key)
        given = (1 if valid.role else 0) | (2 if valid.ends_on else 0)
        if stored is None:
            job_id = self.next_job
            self.next_job += 1
            self.job_rows.append(valid.row)
            self.job_given.append(given)
            state = [job_id, valid.role or EmploymentRole.SOCIAL_WORKER.value, valid.ends_on, key]
            jobs[key] = state
            self.new_jobs.append(state)
            self._touch_person(person_id)
            return
        job_id, role, ends_on = stored[0], stored[1], stored[2]
        created = job_id >= self.first_job
        if created:
            first = self.job_rows[job_id - self.first_job]
            previously = self.job_given[job_id - self.first_job]
        else:
            self.job_flags[job_id] |= _SEEN
            first = self.changed_jobs.get(job_id, 0)
            # A stored employment's role and end date are values given before.
            previously = 3 if first else 0
        changes: dict[int, Any] = {}
        for bit, position, value, column in (
            (1, 1, valid.role, "role"),
            (2, 2, valid.ends_on, "employment_ends_on"),
        ):
            if not value or value == stored[position]:
                continue
            if (previously & bit) and stored[position] is not None:
                self._add(
                    valid.row,
                    column,
                    _("Row %(row)s gives this employment another value.") % {"row": first},
                )
                return
            changes[position] = value
        if not changes:
            return
        if created:
            self.job_given[job_id - self.first_job] |= given
        else:
            self.changed_jobs.setdefault(job_id, valid.row)
            self.job_flags[job_id] |= _CHANGED
            self._touch_person(person_id)
            if job_id not in self.job_before:
                self.job_before[job_id] = [job_id, role, ends_on, key]
        for position, value in changes.items():
            stored[position] = value
        # Employments created in this chunk are inserted with their final state.
        if len(stored) == 3:
            self.job_updates[job_id] = stored
            self.update_codes.setdefault(
                ("employment", job_id), self.refs.division_code_of(valid.employer_id)
            )

    def _row_code(self, valid: _Valid) -> str:
        """The division a row's person is audited under: its certificate's, else its
        employer's."""
        if valid.cert_number and valid.cert_division is not None:
            return valid.cert_division.code
        if valid.employer_id is not None:
            return self.refs.division_code_of(valid.employer_id)
        return ""

    def _touch_person(self, person_id: int) -> None:
        """A stored person gets a new certificate or employment: they count as updated."""
        if person_id < self.first_person:
            self.people_flags[person_id] |= _SEEN | _CHANGED
