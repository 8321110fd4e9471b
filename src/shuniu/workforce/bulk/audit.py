"""The people import's audit trail: updates of stored records with their before and after,
and what each chunk created and changed in one ``people.import_batch`` record per division
(``core.audit.BatchAudit``, written by the matching stage)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shuniu.core.audit import BatchAudit, audit_batch_statements, audit_build, audit_write_many
from shuniu.workforce.bulk.rows import _PERSON_FIELDS, _blank
from shuniu.workforce.bulk.state import _ImportState
from shuniu.workforce.models import Certificate, Employment, Person


class _Auditing(_ImportState):
    def _actor(self) -> tuple[int | None, str]:
        actor = self.actor
        is_user = getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None)
        label = getattr(actor, "username", "") or (str(actor) if actor else "")
        return (actor.pk if is_user else None), (label or "system")[:150]

    def _audit_updates(self) -> None:
        """Stored people and employments this chunk changed: before and after, in full."""
        records = []
        for pk, before in self.person_before.items():
            after = self.person_updates[pk]
            records.append(
                audit_build(
                    actor=self.actor,
                    action="person.update",
                    instance=Person(pk=pk, name=after[1], id_masked=after[2]),
                    before=_person_snapshot(before),
                    after=_person_snapshot(after, version_step=1),
                )
            )
        for pk, before in self.job_before.items():
            after = self.job_updates[pk]
            person_id, org_id, starts_on = before[3]
            records.append(
                audit_build(
                    actor=self.actor,
                    action="employment.update",
                    instance=Employment(
                        pk=pk, person_id=person_id, organization_id=org_id, starts_on=starts_on
                    ),
                    before=_job_snapshot(before),
                    after=_job_snapshot(after, key=before[3]),
                    division_code=self.refs.division_code_of(org_id),
                )
            )
        if records:
            audit_write_many(records)

    def _audit_batch(self, first_row: int, last_row: int) -> None:
        """The chunk's ``people.import_batch`` records, one per division: a person under the
        division of their first new certificate in the chunk, else of their first new
        employer; a certificate under its own; an employment under its employer's; a
        changed record under that of the row that changed it. Not written when it could
        not be kept (a dry run, a problem found, a summary load)."""
        if self.dry_run or self.summary_action or self.problems.count:
            return
        batch = BatchAudit(entity="people", import_key=self.import_key, batch=self.chunks + 1)
        batch.first_row, batch.last_row = first_row, last_row
        divisions = self.refs.index.by_id
        division_code_of = self.refs.division_code_of
        person_code: dict[int, str] = {}
        # (division code, table) -> (ids, keys, rows), filled in the order of the records.
        groups: dict[tuple[str, str], tuple[list[int], list[Any], list[int]]] = {}

        def group(code: str, table: str) -> tuple[list[int], list[Any], list[int]]:
            found = groups.get((code, table))
            if found is None:
                found = groups[(code, table)] = ([], [], [])
            return found

        rows, first = self.certificate_rows, self.first_certificate
        for pk, person_id, _level, number, _year, _issued, division_id in self.new_certificates:
            code = divisions[division_id].code
            if person_id not in person_code:
                person_code[person_id] = code
            ids, keys, made_by = group(code, "certificate")
            ids.append(pk)
            keys.append(number)
            made_by.append(rows[pk - first])
        rows, first = self.job_rows, self.first_job
        for job in self.new_jobs:
            person_id, org_id, starts_on = job[3]
            code = division_code_of(org_id)
            if person_id not in person_code:
                person_code[person_id] = code
            ids, keys, made_by = group(code, "employment")
            ids.append(job[0])
            keys.append([person_id, org_id, starts_on.isoformat()])
            made_by.append(rows[job[0] - first])
        rows, first = self.person_rows, self.first_person
        for state in self.new_people:
            pk = state[0]
            ids, keys, made_by = group(person_code.get(pk, ""), "person")
            ids.append(pk)
            keys.append(state[10])
            made_by.append(rows[pk - first])
        for (code, table), (ids, keys, made_by) in groups.items():
            batch.created_many(code, table, ids, keys, made_by)
        for (table, pk), code in self.update_codes.items():
            batch.updated(code, table, pk)
        # Inserted once the chunk's rows are written (the store's thread may be running).
        self.db.defer(audit_batch_statements(actor=self.actor, batch=batch))

    def _audit_finish(self) -> None:
        """After the last chunk: what was created is audited already, a chunk at a time
        (``people.import_batch`` records, written with each chunk); the id sequences
        continue after the ids the import gave (PostgreSQL)."""
        self._report("write", 0, 1)
        for key, first, following in (
            ("person", self.first_person, self.next_person),
            ("certificate", self.first_certificate, self.next_certificate),
            ("employment", self.first_job, self.next_job),
        ):
            if following > first:
                self.db.advance(key, following - 1)
        self._report("write", 1, 1)

    def _audit_summary(self, action: str) -> None:
        """One record per table for what the import created (``<table>.<action>``, with the
        count and the id range) instead of one per record: for loads of synthetic data, whose
        rows are the same on every run and would swamp the trail."""
        records = []
        for key, model, first, following in (
            ("person", Person, self.first_person, self.next_person),
            ("certificate", Certificate, self.first_certificate, self.next_certificate),
            ("employment", Employment, self.first_job, self.next_job),
        ):
            if following > first:
                records.append(
                    audit_build(
                        actor=self.actor,
                        action=f"{key}.{action}",
                        instance=model._default_manager.get(pk=first),
                        before=None,
                        after={"created": following - first, "first_id": first,
                               "last_id": following - 1},
                    )
                )  # fmt: skip
                self.db.advance(key, following - 1)
        if records:
            audit_write_many(records)
        self._report("write", 1, 1)


def _person_snapshot(state: list[Any], *, version_step: int = 0) -> dict[str, Any]:
    """What ``services.person_snapshot`` records, from a stored person's state."""
    version, sex, birth_date, synthetic = state[9:13]
    data: dict[str, Any] = {
        "id": state[0],
        "version": version + version_step,
        "name": state[1],
        "id_masked": state[2],
        "sex": sex,
        "birth_date": str(birth_date)[:10] if birth_date else None,
    }
    for name, value in zip(_PERSON_FIELDS, state[3:9], strict=True):
        data[name] = value if value is not None else _blank(name)
    data["synthetic"] = bool(synthetic)
    return data


def _job_snapshot(
    state: list[Any], *, key: tuple[int, int, dt.date] | None = None
) -> dict[str, Any]:
    person_id, org_id, starts_on = key or state[3]
    ends_on = state[2]
    return {
        "id": state[0],
        "person_id": person_id,
        "organization_id": org_id,
        "role": state[1],
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else None,
    }
