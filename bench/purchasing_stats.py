"""``purchasing_stats`` "as of" a date against hand-written SQL giving the same numbers.

At ``--scale 1`` (the default of ``make bench``) 100,000 synthetic purchases in Beijing,
Shanghai and Shenzhen, bulk-created over the synthetic registry: about 85 % awarded, 80 %
contracted (two deliverables and two staged payments each, the first paid on three
contracts in four), a quarter of them ``post`` purchases with their posts and assignments,
final evaluations on half of the contracts. The selector (a handful of ORM aggregates plus
the division mapping in Python) is timed against SQL statements that compute the same
figures with the region mapping in SQL (``bench.sql``); both must agree, else the run fails.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, Stage, Stopwatch, compare, console
from bench.sql import REGION_DIVISIONS_CTE, county_level_divisions, fetch_all

NAME = "purchasing_stats"
PURCHASES_AT_SCALE_1 = 100_000
CHUNK = 2_000
REGIONS = ("110000", "310000", "440300")
DATES = (dt.date(2010, 12, 31), dt.date(2016, 6, 30), None)
RATIO_LIMIT = 1.5
TOP_SUPPLIERS = 10
TOP_BUYERS = 20
GRADES = ("excellent", "good", "pass", "fail")
METHODS = ("open", "invited", "negotiation", "consultation", "single_source", "quotation")
FIRST_DAY = dt.date(2007, 1, 1)
DAYS = 365 * 18


@dataclass(frozen=True)
class Figures:
    purchases: tuple[tuple[str, int], ...]
    contracted: Decimal
    paid: Decimal
    posts_funded: int
    posts_filled: int
    by_district: tuple[tuple[str, int, Decimal, int, int], ...]
    by_grade: tuple[tuple[str, int], ...]
    by_method: tuple[tuple[str, int, Decimal], ...]
    by_year: tuple[tuple[int, int, Decimal], ...]
    suppliers: tuple[tuple[int, int, Decimal], ...]
    buyers: tuple[tuple[int, int, Decimal], ...]

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.purchases)


def cents(value: Any) -> Decimal:
    # SQLite sums decimals as floats (whole yuan here, so exact); PostgreSQL as numerics.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def selector_figures(region: str, as_of: dt.date) -> Figures:
    from shuniu.procurement.figures import purchasing_stats

    s = purchasing_stats(region_code=region, as_of=as_of)
    return Figures(
        purchases=tuple(sorted(s.purchases.items())),
        contracted=s.contracted_amount,
        paid=s.paid_amount,
        posts_funded=s.posts_funded,
        posts_filled=s.posts_filled,
        by_district=tuple(
            (d.code, d.purchases, d.contracted_amount, d.posts_funded, d.posts_filled)
            for d in s.by_district
        ),
        by_grade=tuple(sorted(s.by_grade.items())),
        by_method=tuple((m.method, m.purchases, m.contracted_amount) for m in s.by_method),
        by_year=tuple((y.year, y.purchases, y.contracted_amount) for y in s.by_year),
        suppliers=tuple((o.id, o.purchases, o.contracted_amount) for o in s.top_suppliers),
        buyers=tuple((o.id, o.purchases, o.contracted_amount) for o in s.by_buyer),
    )


def sql_figures(region: str, as_of: dt.date) -> Figures:
    cte = f"WITH RECURSIVE {REGION_DIVISIONS_CTE}"
    region_params = [as_of, region]
    signed = """
        FROM procurement_contract c
        JOIN procurement_purchase p ON p.id = c.purchase_id
        JOIN region_holder rh ON rh.division_id = p.region_id
        WHERE c.signed_on <= %s"""
    main = fetch_all(
        f"""{cte}
        SELECT rh.holder_id, p.kind, p.method, COUNT(*), SUM(c.amount) {signed}
        GROUP BY 1, 2, 3""",
        [*region_params, as_of],
    )
    paid = fetch_all(
        f"""{cte}
        SELECT SUM(pay.amount) {signed.replace("FROM procurement_contract c", "FROM procurement_payment pay JOIN procurement_contract c ON c.id = pay.contract_id")}
          AND pay.paid_on <= %s""",  # noqa: E501 benchmark constants
        [*region_params, as_of, as_of],
    )[0][0]
    posts = fetch_all(
        f"""{cte}
        SELECT rh.holder_id, SUM(po.count),
               SUM((SELECT COUNT(*) FROM procurement_postassignment a
                    WHERE a.post_id = po.id AND a.starts_on <= %s
                      AND (a.ends_on IS NULL OR a.ends_on > %s)))
        FROM procurement_post po
        JOIN procurement_contract c ON c.id = po.contract_id
        JOIN procurement_purchase p ON p.id = c.purchase_id
        JOIN region_holder rh ON rh.division_id = p.region_id
        WHERE p.kind = 'post' AND c.signed_on <= %s AND c.starts_on <= %s AND c.ends_on >= %s
          AND (c.terminated_on IS NULL OR c.terminated_on > %s)
        GROUP BY 1""",  # noqa: S608 benchmark constants
        [*region_params, as_of, as_of, as_of, as_of, as_of, as_of],
    )
    grades = dict(
        fetch_all(
            f"""{cte}
            SELECT e.grade, COUNT(*) FROM procurement_evaluation e
            JOIN procurement_contract c ON c.id = e.contract_id
            JOIN procurement_purchase p ON p.id = c.purchase_id
            JOIN region_holder rh ON rh.division_id = p.region_id
            WHERE e.stage = 'final' AND e.status = 'completed' AND e.completed_on <= %s
            GROUP BY 1""",  # noqa: S608 benchmark constants
            [*region_params, as_of],
        )
    )

    def ranked(column: str, limit: int) -> tuple[tuple[int, int, Decimal], ...]:
        join = (
            "JOIN procurement_award aw ON aw.purchase_id = p.id" if column.startswith("aw") else ""
        )
        rows = fetch_all(
            f"""{cte}
            SELECT {column}, COUNT(*), SUM(c.amount) {signed.replace("WHERE", join + " WHERE")}
            GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT {limit}""",
            [*region_params, as_of],
        )
        return tuple((int(pk), n, cents(v)) for pk, n, v in rows)

    years = fetch_all(
        f"""{cte}
        SELECT CAST(EXTRACT_YEAR AS INTEGER), COUNT(*), SUM(c.amount) {signed}
        GROUP BY 1 ORDER BY 1""".replace(
            "EXTRACT_YEAR",
            "strftime('%%Y', c.signed_on)"
            if connection.vendor == "sqlite"
            else "EXTRACT(YEAR FROM c.signed_on)",
        ),
        [*region_params, as_of],
    )
    kinds: Counter[str] = Counter({"post": 0, "service": 0})
    method_n: Counter[str] = Counter()
    method_v: defaultdict[str, Decimal] = defaultdict(Decimal)
    holder_n: Counter[int] = Counter()
    holder_v: defaultdict[int, Decimal] = defaultdict(Decimal)
    total = Decimal(0)
    for holder, kind, method, n, value in main:
        kinds[kind] += n
        method_n[method] += n
        method_v[method] += cents(value)
        holder_n[holder] += n
        holder_v[holder] += cents(value)
        total += cents(value)
    funded = {h: int(f or 0) for h, f, _ in posts}
    filled = {h: int(f or 0) for h, _, f in posts}
    return Figures(
        purchases=tuple(sorted(kinds.items())),
        contracted=cents(total),
        paid=cents(paid),
        posts_funded=sum(funded.values()),
        posts_filled=sum(filled.values()),
        by_district=tuple(
            (
                code,
                holder_n.get(pk, 0),
                cents(holder_v.get(pk)),
                funded.get(pk, 0),
                filled.get(pk, 0),
            )
            for pk, code in county_level_divisions(region, as_of)
        ),
        by_grade=tuple(sorted((g, grades.get(g, 0)) for g in GRADES)),
        by_method=tuple((m, method_n[m], cents(method_v[m])) for m in METHODS),
        by_year=tuple((int(y), n, cents(v)) for y, n, v in years),
        suppliers=ranked("aw.supplier_id", TOP_SUPPLIERS),
        buyers=ranked("p.buyer_id", TOP_BUYERS),
    )


# ---------------------------------------------------------------------------------------
# The synthetic purchases


def _regions() -> list[int]:
    from shuniu.divisions.models import COUNTY_LEVELS, Division

    cities = Division.objects.filter(code__in=REGIONS)
    return list(
        Division.objects.filter(parent__in=cities, level__in=COUNTY_LEVELS).values_list(
            "pk", flat=True
        )
    )


def _people(count: int) -> list[int]:
    from shuniu.workforce.models import Person

    Person.objects.bulk_create(
        Person(
            name=f"基准人员{i}",
            id_cipher="bench",
            id_hash=f"bench-purchasing-{i}",
            id_masked="110101*****0",
            sex="f" if i % 2 else "m",
            birth_date=dt.date(1980, 1, 1),
            synthetic=True,
        )
        for i in range(count)
    )
    return list(Person.objects.filter(synthetic=True).values_list("pk", flat=True))


def build(ctx: Context) -> int:
    from shuniu.procurement import models as m
    from shuniu.registry.models import Organization

    total = max(100, round(PURCHASES_AT_SCALE_1 * ctx.scale))
    rng = random.Random(ctx.seed)
    orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    buyers, suppliers = orgs[: max(1, len(orgs) // 50)], orgs[len(orgs) // 50 :] or orgs
    regions = _regions()
    people = _people(2_000)
    scheme = m.EvaluationScheme.objects.create(
        code="bench", name="基准", excellent_from=90, good_from=80, pass_from=60
    )
    evaluator = orgs[-1]
    writing = Stopwatch()

    def chunk(start: int, stop: int) -> None:
        purchases, plans = [], []
        for i in range(start, stop):
            planned = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
            kind = "post" if rng.random() < 0.25 else "service"
            budget = Decimal(rng.randrange(50, 5_000) * 100)
            purchases.append(
                m.Purchase(
                    ocid=f"ocds-bench0-{i:07d}",
                    buyer_id=rng.choice(buyers),
                    region_id=rng.choice(regions),
                    kind=kind,
                    title=f"基准项目{i}",
                    budget=budget,
                    method=rng.choice(METHODS),
                    status="planning",
                    planned_on=planned,
                    synthetic=True,
                )
            )
            plans.append((planned, kind, budget, rng.random(), rng.random(), rng.random()))
        made = m.Purchase.objects.bulk_create(purchases)
        awards, contracts = [], []
        for purchase, (planned, _kind, budget, a, b, c) in zip(made, plans, strict=True):
            if a > 0.85:
                continue
            awarded = planned + dt.timedelta(days=30 + int(b * 60))
            awards.append(
                m.Award(
                    purchase=purchase,
                    supplier_id=rng.choice(suppliers),
                    amount=budget,
                    awarded_on=awarded,
                )
            )
            if a > 0.80:
                continue
            signed = awarded + dt.timedelta(days=14)
            starts = signed + dt.timedelta(days=7)
            contracts.append(
                m.Contract(
                    purchase=purchase,
                    signed_on=signed,
                    starts_on=starts,
                    ends_on=starts + dt.timedelta(days=364 + int(c * 730)),
                    amount=budget,
                    terminated_on=starts + dt.timedelta(days=200) if c < 0.03 else None,
                )
            )
        m.Award.objects.bulk_create(awards)
        m.Contract.objects.bulk_create(contracts)
        deliverables, posts = [], []
        for contract in contracts:
            for position in (1, 2):
                deliverables.append(
                    m.Deliverable(
                        contract=contract,
                        position=position,
                        kind="service_hours",
                        description="服务时数",
                        planned=Decimal(500),
                        due_on=contract.starts_on + dt.timedelta(days=180 * position),
                        accepted_on=contract.starts_on + dt.timedelta(days=180 * position)
                        if position == 1
                        else None,
                    )
                )
            if contract.purchase.kind == "post":
                posts.append(
                    m.Post(
                        contract=contract,
                        title="社工岗位",
                        count=rng.randrange(1, 31),
                        required_level=1,
                        monthly_salary=Decimal(4000),
                    )
                )
        m.Deliverable.objects.bulk_create(deliverables)
        m.Post.objects.bulk_create(posts)
        payments, assignments, evaluations = [], [], []
        for contract, (first, second) in zip(
            contracts, zip(deliverables[::2], deliverables[1::2], strict=True), strict=True
        ):
            half = (contract.amount / 2).quantize(Decimal(1))
            accepted = first.accepted_on
            paid = (
                accepted + dt.timedelta(days=10)
                if rng.random() < 0.75 and accepted is not None
                else None
            )
            payments.append(
                m.Payment(
                    contract=contract, deliverable=first, position=1, amount=half, paid_on=paid
                )
            )
            payments.append(
                m.Payment(
                    contract=contract, deliverable=second, position=2, amount=contract.amount - half
                )
            )
            if rng.random() < 0.5:
                completed = contract.ends_on + dt.timedelta(days=30)
                evaluations.append(
                    m.Evaluation(
                        contract=contract,
                        evaluator_id=evaluator,
                        scheme=scheme,
                        stage="final",
                        assigned_on=contract.ends_on - dt.timedelta(days=30),
                        status="completed",
                        completed_on=completed,
                        total=Decimal(rng.randrange(40, 100)),
                        grade=rng.choice(GRADES),
                    )
                )
        for post in posts:
            contract = post.contract
            for seat in range(post.count):
                if rng.random() < 0.8:
                    starts = contract.starts_on + dt.timedelta(days=rng.randrange(0, 90))
                    ends = (
                        starts + dt.timedelta(days=rng.randrange(90, 900))
                        if seat % 3 == 0
                        else None
                    )
                    assignments.append(
                        m.PostAssignment(
                            post=post, person_id=rng.choice(people), starts_on=starts, ends_on=ends
                        )
                    )
        m.Payment.objects.bulk_create(payments)
        m.Evaluation.objects.bulk_create(evaluations)
        m.PostAssignment.objects.bulk_create(assignments)

    with console.status("") as status:
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            status.update(f"Loading synthetic purchases {start:,}–{stop:,} of {total:,}…")
            with transaction.atomic():
                writing.run(partial(chunk, start, stop))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ctx.shared["purchasing load"] = Stage(
        "bulk_create purchases and their rows", total, "purchases", writing
    )
    return total


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    total = build(ctx)
    report = Report(
        name=NAME,
        title=f"purchasing_stats(region, as_of) vs hand-written SQL ({total:,} purchases)",
        subject="selector",
        baseline="SQL",
        target=f"selector/SQL ≤ {RATIO_LIMIT:g} on every case",
        stages=[ctx.shared["purchasing load"]],
        notes=[
            "rows: purchases of the region contracted on or before the date",
            f"scale {ctx.scale:g} = {total:,} purchases (--scale 0.1 for a quick run)",
        ],
    )
    for region in REGIONS:
        for as_of in DATES:
            on = as_of or timezone.localdate()
            case = f"{region} {on.isoformat()}"
            pair = compare(
                partial(selector_figures, region, on),
                partial(sql_figures, region, on),
                repeat=ctx.repeat,
            )
            if pair.subject != pair.baseline:
                raise BenchmarkError(
                    f"{NAME} {case}: the selector and the SQL disagree\n"
                    f"  selector: {pair.subject}\n  SQL: {pair.baseline}"
                )
            report.rows.append(
                Row(
                    case=case,
                    rows=pair.subject.rows,
                    subject_s=pair.subject_s,
                    baseline_s=pair.baseline_s,
                    limit=RATIO_LIMIT,
                )
            )
    return report
