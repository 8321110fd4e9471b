"""``shuniu import people FILE`` against the floor of a plain bulk insert, and against
django-import-export.

The subject is the whole command (file reading, header mapping, cell parsing, ID number
validation, encryption and keyed hashing, checks across rows and against the store, the
inserts and the audit trail), run in a child process so that its peak memory (VmHWM, see
``people_child``) is its own; its time is measured inside the child, from the call of the
command to its end, leaving out the start of Python and Django.

The floor reads the same CSV with the ``csv`` module and inserts the same rows, as they
are in the file, into the three tables in one transaction: ``executemany`` of the plain
``sqlite3`` connection on SQLite, ``COPY`` on PostgreSQL. It validates, encrypts and hashes
nothing and writes no audit records: it is what the database alone costs.

django-import-export runs as a Django developer would configure it for bulk: three
``ModelResource`` classes (person, certificate, employment) with ``use_bulk``,
``batch_size``, ``skip_diff`` and a cached instance loader, the ID number protected in
``before_import_row``. It is timed on a sample and compared by rows per second.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from bench.harness import BenchmarkError, Check, Context, Report, Row, Stage, Stopwatch, console
from bench.people_data import (
    Organizations,
    PeopleFile,
    organizations,
    people_count,
    write_people_csv,
)

NAME = "people_import"
# Issue 10: within 1.5x of executemany on SQLite, 2x of COPY on PostgreSQL, under 150 MiB.
FLOOR_LIMITS = {"sqlite": 1.5, "postgresql": 2.0}
IMPORT_EXPORT_FACTOR = 10.0
MEMORY_LIMIT_MIB = 150.0
CHUNK = 5000
TABLES = ("workforce_employment", "workforce_certificate", "workforce_person")
LEVELS = {"助理社会工作师": 1, "社会工作师": 2, "高级社会工作师": 3}


@dataclass
class ChildRun:
    seconds: float
    peak_mib: float
    report: dict[str, Any]
    # ru_maxrss as wait4 gives it (with the image the child's exec replaced).
    maxrss_mib: float = 0.0
    # CPU time of the whole child (all its threads, with Python's and Django's start-up).
    cpu_seconds: float = 0.0


# ---------------------------------------------------------------------------------------
# The subject: the command, in a child process
# ---------------------------------------------------------------------------------------


def run_child(path: Path, *extra: str) -> ChildRun:
    env = dict(os.environ)
    env["BENCH_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.people_child", str(path), *extra],
            stdout=out,
            stderr=err,
            env=env,
        )
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would mix all).
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise BenchmarkError(f"{NAME}: the import failed ({process.returncode}):\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return ChildRun(
        seconds=result["seconds"],
        # The child's own peak (VmHWM); ru_maxrss would include the benchmark's peak, which
        # Linux hands to a child at its exec (see people_child). ru_maxrss where none.
        peak_mib=(result.get("peak_kib") or usage.ru_maxrss) / 1024,
        maxrss_mib=usage.ru_maxrss / 1024,
        report=result["report"],
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


# ---------------------------------------------------------------------------------------
# The floor: the same rows inserted as they are
# ---------------------------------------------------------------------------------------


class _Lookups:
    """What the floor needs to turn cells into foreign keys: dictionaries, nothing more."""

    def __init__(self, orgs: Organizations) -> None:
        self.orgs: dict[str, int] = {}
        self.org_division: dict[int, int] = {}
        for pk, uscc, name, division_id in orgs.agencies:
            self.orgs[uscc] = self.orgs[name] = pk
            self.org_division[pk] = division_id
        for pk, uscc, name in orgs.universities:
            self.orgs[uscc] = self.orgs[name] = pk
        self.divisions: dict[str, int] = {}
        for division in orgs.districts:
            self.divisions[division.code] = self.divisions[division.name] = division.pk


def _floor_rows(path: Path, lookups: _Lookups, first_id: int, now: Any) -> Any:
    """The three tables' rows of each chunk of the file, as they are in it."""
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        people, certificates, jobs = [], [], []
        person_id = first_id
        for cells in reader:
            number = cells[1]
            digits = number[6:14] if len(number) == 18 else "19" + number[6:12]
            born = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
            employer = lookups.orgs[cells[13]]
            division = lookups.divisions.get(cells[12]) or lookups.org_division[employer]
            people.append(
                (person_id, now, now, 1, cells[0], number, number, number, cells[2], born,
                 cells[3], lookups.orgs[cells[4]], cells[5], int(cells[6]), cells[7],
                 cells[17], False)
            )  # fmt: skip
            certificates.append(
                (now, now, 1, person_id, LEVELS[cells[8]], cells[9], int(cells[10]),
                 cells[11] or f"{cells[10]}-06-30", division)
            )  # fmt: skip
            jobs.append(
                (now, now, 1, person_id, employer, cells[14] or "social_worker", cells[15],
                 cells[16] or None, True)
            )  # fmt: skip
            person_id += 1
            if len(people) == CHUNK:
                yield people, certificates, jobs
                people, certificates, jobs = [], [], []
        if people:
            yield people, certificates, jobs


_PERSON_COLUMNS = (
    "id, created_at, updated_at, version, name, id_cipher, id_hash, id_masked, sex, "
    "birth_date, education_level, university_id, major, graduation_year, phone, source, "
    "synthetic"
)
_CERTIFICATE_COLUMNS = (
    "created_at, updated_at, version, person_id, level, number, exam_year, issued_on, "
    "registered_division_id"
)
_JOB_COLUMNS = (
    "created_at, updated_at, version, person_id, organization_id, role, starts_on, ends_on, "
    "full_time"
)


def _first_person_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM workforce_person")
        return int(cursor.fetchone()[0]) + 1


def floor_sqlite(path: Path, lookups: _Lookups) -> None:
    import sqlite3

    first = _first_person_id()
    connection.close()
    database = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        # The pragmas Django's connection runs (config/settings.py), for the same footing.
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("PRAGMA synchronous=NORMAL")
        database.execute("PRAGMA foreign_keys=ON")
        database.execute("BEGIN IMMEDIATE")
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        marks = {n: ", ".join("?" * n) for n in (9, 17)}
        for people, certificates, jobs in _floor_rows(path, lookups, first, now):
            database.executemany(
                f"INSERT INTO workforce_person ({_PERSON_COLUMNS}) VALUES ({marks[17]})",  # noqa: S608 benchmark tables and constants of the code; no outside input
                people,
            )
            database.executemany(
                f"INSERT INTO workforce_certificate ({_CERTIFICATE_COLUMNS}) VALUES ({marks[9]})",  # noqa: S608 benchmark tables and constants of the code; no outside input
                certificates,
            )
            database.executemany(
                f"INSERT INTO workforce_employment ({_JOB_COLUMNS}) VALUES ({marks[9]})",  # noqa: S608 benchmark tables and constants of the code; no outside input
                jobs,
            )
        database.execute("COMMIT")
    finally:
        database.close()


def floor_postgres(path: Path, lookups: _Lookups) -> None:
    first = _first_person_id()
    now = time.strftime("%Y-%m-%d %H:%M:%S+00")
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for people, certificates, jobs in _floor_rows(path, lookups, first, now):
            for table, columns, rows in (
                ("workforce_person", _PERSON_COLUMNS, people),
                ("workforce_certificate", _CERTIFICATE_COLUMNS, certificates),
                ("workforce_employment", _JOB_COLUMNS, jobs),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row(values)
        # The sequence must not hand out the ids the floor chose (the import follows).
        wrapper.execute(
            "SELECT setval(pg_get_serial_sequence('workforce_person', 'id'), "
            "(SELECT MAX(id) FROM workforce_person))"
        )


def empty_tables() -> None:
    """Remove what a run wrote, so that the next one starts from the same state."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 benchmark tables and constants of the code; no outside input
        cursor.execute("DELETE FROM core_auditrecord WHERE object_type LIKE 'workforce.%%'")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")


def stored_counts() -> tuple[int, ...]:
    with connection.cursor() as cursor:
        counts = []
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 benchmark tables and constants of the code; no outside input
            counts.append(int(cursor.fetchone()[0]))
        return tuple(counts)


# ---------------------------------------------------------------------------------------
# django-import-export, configured for bulk
# ---------------------------------------------------------------------------------------


def import_export_run(path: Path, lookups: _Lookups) -> int:
    """Import the file with three bulk ModelResources; the rows imported.

    What the file does not hold as the models want it (protected ID number, foreign keys,
    codes) is added to the dataset as columns first, as ``append_col`` is meant for.
    """
    import tablib
    from import_export import fields, instance_loaders, resources, widgets

    from shuniu.divisions.models import Division
    from shuniu.registry.models import Organization
    from shuniu.workforce.identity import Protector, parse_id_number
    from shuniu.workforce.models import Certificate, Employment, Person

    protector = Protector()
    education = {"中专": "secondary", "大专": "associate", "本科": "bachelor"}
    education |= {"硕士": "master", "博士": "doctor"}
    roles = {"": "social_worker", "社工": "social_worker", "督导": "supervisor"}
    roles |= {"负责人": "director"}

    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    idents = [parse_id_number(value) for value in dataset["身份证号"]]
    # (hash, masked) as the import matches them, and the token sealed to the row the
    # baseline inserts it as (rows are numbered from 1 in the empty benchmark table).
    matched = [protector.match(ident.number) for ident in idents]
    protected = [
        (protector.seal(ident.number, row=n), digest, masked)
        for n, (ident, (digest, masked)) in enumerate(zip(idents, matched, strict=True), 1)
    ]
    employers = [lookups.orgs[value] for value in dataset["工作单位"]]
    columns: dict[str, list[Any]] = {
        "id_cipher": [p[0] for p in protected],
        "id_hash": [p[1] for p in protected],
        "id_masked": [p[2] for p in protected],
        "sex": [i.sex for i in idents],
        "birth_date": [i.birth_date for i in idents],
        "education_level": [education[v] for v in dataset["学历"]],
        "university": [lookups.orgs[v] for v in dataset["毕业院校"]],
        "level": [LEVELS[v] for v in dataset["证书等级"]],
        "issued_on": [
            issued or f"{year}-06-30"
            for issued, year in zip(dataset["发证日期"], dataset["考试年度"], strict=True)
        ],
        "registered_division": [
            lookups.divisions.get(cell) or lookups.org_division[employer]
            for cell, employer in zip(dataset["登记地"], employers, strict=True)
        ],
        "organization": employers,
        "role": [roles[v] for v in dataset["岗位"]],
        "ends_on": [v or None for v in dataset["离职日期"]],
    }
    for header, values in columns.items():
        dataset.append_col(values, header=header)

    class Bulk:
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        skip_unchanged = False
        clean_model_instances = True
        use_transactions = True

    def column(attribute: str, header: str, widget: Any = None) -> Any:
        return fields.Field(attribute=attribute, column_name=header, widget=widget)

    class PersonResource(resources.ModelResource):  # type: ignore[misc]
        name = column("name", "姓名")
        university = column("university", "university", widgets.ForeignKeyWidget(Organization))
        major = column("major", "专业")
        graduation_year = column("graduation_year", "毕业年份")
        phone = column("phone", "联系电话")
        source = column("source", "来源")

        class Meta(Bulk):
            model = Person
            fields = (
                "name",
                "id_cipher",
                "id_hash",
                "id_masked",
                "sex",
                "birth_date",
                "education_level",
                "university",
                "major",
                "graduation_year",
                "phone",
                "source",
            )
            import_id_fields = ("id_hash",)
            instance_loader_class = instance_loaders.CachedInstanceLoader

    class CertificateResource(resources.ModelResource):  # type: ignore[misc]
        person = column("person", "id_hash", widgets.ForeignKeyWidget(Person, "id_hash"))
        registered_division = column(
            "registered_division", "registered_division", widgets.ForeignKeyWidget(Division)
        )
        number = column("number", "证书编号")
        exam_year = column("exam_year", "考试年度")

        class Meta(Bulk):
            model = Certificate
            fields = ("person", "level", "number", "exam_year", "issued_on", "registered_division")
            import_id_fields = ("number",)
            instance_loader_class = instance_loaders.CachedInstanceLoader

    class EmploymentResource(resources.ModelResource):  # type: ignore[misc]
        person = column("person", "id_hash", widgets.ForeignKeyWidget(Person, "id_hash"))
        organization = column(
            "organization", "organization", widgets.ForeignKeyWidget(Organization)
        )
        starts_on = column("starts_on", "入职日期")

        class Meta(Bulk):
            model = Employment
            fields = ("person", "organization", "role", "starts_on", "ends_on")
            import_id_fields = ("person", "organization", "starts_on")

    for resource in (PersonResource(), CertificateResource(), EmploymentResource()):
        result = resource.import_data(dataset, dry_run=False, raise_errors=True)
        if result.has_errors() or result.has_validation_errors():
            raise BenchmarkError(f"{NAME}: django-import-export refused rows of {path.name}")
    return len(dataset)


# ---------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------


def _timed(watch: Stopwatch, fn: Any) -> float:
    before = watch.wall
    watch.run(fn)
    return watch.wall - before


def run(ctx: Context) -> Report:
    vendor = connection.vendor
    floor_limit = FLOOR_LIMITS.get(vendor, 2.0)
    rows = people_count(ctx)
    # django-import-export takes about a minute for 2,000 rows: its rate is what counts.
    sample_rows = min(rows, 2_000)
    orgs = organizations(ctx)
    lookups = _Lookups(orgs)
    workdir = Path(tempfile.mkdtemp(prefix="shuniu-bench-people-"))
    generate, floor, ours, again, die = (Stopwatch() for _ in range(5))
    people_file: PeopleFile
    try:
        with console.status(f"Writing {rows:,} people to a CSV file…"):
            people_file = generate.run(
                lambda: write_people_csv(
                    workdir / "people.csv", orgs=orgs, rows=rows, first_serial=0, seed=ctx.seed
                )
            )
            sample = write_people_csv(
                workdir / "sample.csv",
                orgs=orgs,
                rows=sample_rows,
                first_serial=10_000_000,
                seed=ctx.seed + 2,
            )
        size_mib = people_file.path.stat().st_size / 2**20
        floor_fn = floor_postgres if vendor == "postgresql" else floor_sqlite
        with console.status(f"Floor: {'COPY' if vendor == 'postgresql' else 'executemany'}…"):
            floor_s = _timed(floor, lambda: floor_fn(people_file.path, lookups))
        if stored_counts() != (rows, rows, rows):
            raise BenchmarkError(f"{NAME}: the floor stored {stored_counts()}, not {rows} each")
        empty_tables()
        with console.status(f"shuniu import people ({rows:,} rows)…"):
            first = run_child(people_file.path)
        ours.wall, ours.cpu = first.seconds, first.seconds
        report = first.report
        expected = {"created": rows, "updated": 0, "unchanged": 0}
        if {k: report[k] for k in expected} != expected or stored_counts() != (rows,) * 3:
            raise BenchmarkError(f"{NAME}: the import reported {report}, stored {stored_counts()}")
        with console.status("Importing the same file again (nothing may change)…"):
            second = run_child(people_file.path)
        again.wall, again.cpu = second.seconds, second.seconds
        if (second.report["created"], second.report["unchanged"]) != (0, rows):
            raise BenchmarkError(f"{NAME}: the re-import reported {second.report}")
        with console.status(f"django-import-export on a sample of {sample_rows:,} rows…"):
            die_s = _timed(die, lambda: import_export_run(sample.path, lookups))
        if stored_counts() != (rows + sample_rows,) * 3:
            raise BenchmarkError(f"{NAME}: django-import-export stored {stored_counts()}")
    finally:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()

    die_per_row = die_s / sample_rows
    die_extrapolated = die_per_row * rows
    floor_label = "COPY" if vendor == "postgresql" else "executemany"
    peak = max(first.peak_mib, second.peak_mib)
    return Report(
        name=NAME,
        title=f"people_import: shuniu import people, {rows:,} rows ({size_mib:,.0f} MiB CSV) "
        f"on {vendor}",
        subject="import",
        baseline="other",
        stages=[
            Stage("write the CSV file", rows, "rows", generate),
            Stage(f"floor: csv + {floor_label} into 3 tables", rows, "rows", floor),
            Stage("shuniu import people (new)", rows, "rows", ours),
            Stage("shuniu import people (again: unchanged)", rows, "rows", again),
            Stage("django-import-export (bulk), sample", sample_rows, "rows", die),
        ],
        rows=[
            Row(
                case=f"import vs floor ({floor_label})",
                rows=rows,
                subject_s=first.seconds,
                baseline_s=floor_s,
                limit=floor_limit,
            ),
            Row(
                case=f"import vs django-import-export (rate of {sample_rows:,}-row sample)",
                rows=rows,
                subject_s=first.seconds,
                baseline_s=die_extrapolated,
                limit=1 / IMPORT_EXPORT_FACTOR,
            ),
        ],
        checks=[
            Check(
                "peak memory of the import process (its own VmHWM)",
                f"{peak:,.0f} MiB (limit {MEMORY_LIMIT_MIB:g} MiB)",
                peak < MEMORY_LIMIT_MIB,
            )
        ],
        target=f"import ≤ {floor_limit:g}× floor, ≥ {IMPORT_EXPORT_FACTOR:g}× faster than "
        f"django-import-export, peak memory < {MEMORY_LIMIT_MIB:g} MiB",
        notes=[
            f"rows: people, each with a certificate and a job (1 in 100 with a 15-digit ID); "
            f"scale {ctx.scale:g} = {rows:,} (--scale 10 for the million)",
            f"times: import {first.seconds:.2f} s, floor {floor_s:.2f} s, "
            f"django-import-export {die_s:.2f} s for {sample_rows:,} rows "
            f"({sample_rows / die_s:,.0f} rows/s → {die_extrapolated:,.1f} s for {rows:,}, "
            f"extrapolated per row)",
            f"ratios: import/floor {first.seconds / floor_s:.2f}, django-import-export/import "
            f"{die_extrapolated / first.seconds:.1f}× slower",
            f"import rate {rows / first.seconds:,.0f} rows/s; re-import (no writes) "
            f"{second.seconds:.2f} s; peak memory {first.peak_mib:,.0f} MiB (new), "
            f"{second.peak_mib:,.0f} MiB (again); ru_maxrss {first.maxrss_mib:,.0f} / "
            f"{second.maxrss_mib:,.0f} MiB (with the benchmark's image the exec replaced)",
            "the import also writes its audit trail: one people.import_batch record per chunk "
            "of 2,000 rows and division (ids, ID hashes, certificate numbers, rows)",
            f"CPU time: import process {first.cpu_seconds:.2f} s (all threads, with the start "
            f"of Python and Django; the inserts run in a second thread), floor "
            f"{floor.cpu:.2f} s",
        ],
    )
