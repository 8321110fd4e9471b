"""The people import's audit trail: updates of stored records with their before and after,
and one record per created record with ``INSERT … SELECT`` over the new ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shuniu.core.audit import audit_build, audit_write_many
from shuniu.core.context import current_request_id
from shuniu.workforce.bulk.rows import _PERSON_FIELDS, _blank
from shuniu.workforce.bulk.state import _ImportState
from shuniu.workforce.bulk.store import _TABLES
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

    def _audit_created(self) -> None:
        """One record per created person, certificate and employment, from the stored rows
        (so they show the final state), with ``INSERT … SELECT`` over the new ids."""
        db = self.db
        steps = 3
        self._report("write", 0, steps)
        actor_id, label = self._actor()
        common = [self.now, actor_id, label]
        request_id = current_request_id()
        person = self.db.json(
            [
                ("id", "p.id"),
                ("version", "p.version"),
                ("name", "p.name"),
                ("id_masked", "p.id_masked"),
                ("sex", "p.sex"),
                ("birth_date", "p.birth_date"),
                *((name, f"p.{name}") for name in _PERSON_FIELDS),
                ("synthetic", db.json_bool("p.synthetic")),
            ]
        )
        certificate = db.json(
            [
                ("id", "c.id"),
                ("version", "c.version"),
                ("person_id", "c.person_id"),
                ("level", "c.level"),
                ("number", "c.number"),
                ("exam_year", "c.exam_year"),
                ("issued_on", "c.issued_on"),
                ("registered_division_id", "c.registered_division_id"),
                ("revoked_on", "c.revoked_on"),
            ]
        )
        job = db.json(
            [
                ("id", "e.id"),
                ("version", "e.version"),
                ("person_id", "e.person_id"),
                ("organization_id", "e.organization_id"),
                ("role", "e.role"),
                ("starts_on", "e.starts_on"),
                ("ends_on", "e.ends_on"),
                ("full_time", db.json_bool("e.full_time")),
            ]
        )
        insert = (
            "INSERT INTO core_auditrecord (at, actor_id, actor_label, action, object_type, "
            "object_id, object_repr, division_code, before, after, request_id) "
        )
        if db.postgres:
            # The planner has not seen the new rows yet: without statistics it would join
            # them row by row.
            for table in _TABLES.values():
                db.execute(f"ANALYZE {table}")
        if self.next_person > self.first_person:
            # A person's division, for officers reading the trail of their jurisdiction:
            # that of their first new certificate, else of their first new employer.
            db.execute(
                insert  # noqa: S608 model table names and code constants; values are parameters
                + f"""SELECT %s, %s, %s, 'person.register', 'workforce.person',
                       CAST(p.id AS VARCHAR(20)), p.name || ' (' || p.id_masked || ')',
                       COALESCE(dc.code, dj.code, ''), NULL, {person}, %s
                FROM {_TABLES["person"]} p
                LEFT JOIN (
                    SELECT person_id, MIN(id) AS id FROM {_TABLES["certificate"]}
                    WHERE id >= %s GROUP BY person_id
                ) fc ON fc.person_id = p.id
                LEFT JOIN {_TABLES["certificate"]} c ON c.id = fc.id
                LEFT JOIN divisions_division dc ON dc.id = c.registered_division_id
                LEFT JOIN (
                    SELECT person_id, MIN(id) AS id FROM {_TABLES["employment"]}
                    WHERE id >= %s GROUP BY person_id
                ) fj ON fj.person_id = p.id
                LEFT JOIN {_TABLES["employment"]} e ON e.id = fj.id
                LEFT JOIN registry_organization o ON o.id = e.organization_id
                LEFT JOIN divisions_division dj ON dj.id = o.registrar_division_id
                WHERE p.id >= %s AND p.id < %s ORDER BY p.id""",  # noqa: S608 as above
                [
                    *common,
                    request_id,
                    self.first_certificate,
                    self.first_job,
                    self.first_person,
                    self.next_person,
                ],
            )
            db.advance("person", self.next_person - 1)
        self._report("write", 1, steps)
        if self.next_certificate > self.first_certificate:
            db.execute(
                insert  # noqa: S608 model table names and code constants; values are parameters
                + f"""SELECT %s, %s, %s, 'certificate.add', 'workforce.certificate',
                       CAST(c.id AS VARCHAR(20)), c.number, d.code, NULL, {certificate}, %s
                FROM {_TABLES["certificate"]} c
                JOIN divisions_division d ON d.id = c.registered_division_id
                WHERE c.id >= %s AND c.id < %s ORDER BY c.id""",  # noqa: S608 as above
                [*common, request_id, self.first_certificate, self.next_certificate],
            )
            db.advance("certificate", self.next_certificate - 1)
        self._report("write", 2, steps)
        if self.next_job > self.first_job:
            db.execute(
                insert  # noqa: S608 model table names and code constants; values are parameters
                + f"""SELECT %s, %s, %s, 'employment.start', 'workforce.employment',
                       CAST(e.id AS VARCHAR(20)),
                       CAST(e.person_id AS VARCHAR(20)) || ' @ '
                           || CAST(e.organization_id AS VARCHAR(20)) || ' '
                           || CAST(e.starts_on AS VARCHAR(10)),
                       d.code, NULL, {job}, %s
                FROM {_TABLES["employment"]} e
                JOIN registry_organization o ON o.id = e.organization_id
                JOIN divisions_division d ON d.id = o.registrar_division_id
                WHERE e.id >= %s AND e.id < %s ORDER BY e.id""",  # noqa: S608 as above
                [*common, request_id, self.first_job, self.next_job],
            )
            db.advance("employment", self.next_job - 1)
        self._report("write", steps, steps)

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
