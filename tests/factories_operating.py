"""The operating models' scene (stats.operating): Beijing agencies with formations, hubs over
time, certified workers, support and purchases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shuniu.procurement.models import Kind as PurchaseKind
from shuniu.registry.models import Organization
from shuniu.registry.services import support_record
from tests.factories import make_organization
from tests.factories_procurement import contracted_purchase, government
from tests.factories_procurement_buy import event, registry_admin
from tests.workforce.factories import make_certified


def beijing_scene() -> dict[str, Organization]:
    """Beijing's agencies: 西城 a transformed one (A) and a hub-led one (B, led by a district
    association from registration, left it 2012-05-01); 朝阳 a university-local one (C) that
    joined a city association 2012-03-01 and one registered only 2012-09-01 (D); an "other"
    body in 东城. Two certified workers, support and two contracts; a Shanghai contract."""
    district_hub = make_organization(
        name="西城区社工协会", kind="association", division="110102", association_level="district"
    )
    city_hub = make_organization(
        name="北京市社工联合会", kind="association", division="110000", association_level="city"
    )
    a = make_organization(name="甲", division="110102", formation="transformation")
    b = make_organization(
        name="乙",
        division="110102",
        formation="association_led",
        hub=district_hub,
        registered_on=dt.date(2011, 1, 1),
    )
    event(b, "left_hub", dt.date(2012, 5, 1), hub=district_hub)
    c = make_organization(
        name="丙",
        division="110105",
        formation="university_local",
        registered_on=dt.date(2011, 3, 1),
    )
    event(c, "joined_hub", dt.date(2012, 3, 1), hub=city_hub)
    d = make_organization(name="丁", division="110105", registered_on=dt.date(2012, 9, 1))
    make_organization(name="戊", kind="other", division="110101")
    make_certified(division="110102")
    make_certified(division="110105")
    giver = government("110102")
    for receiver, amount, starts_on in (
        (a, "100000", dt.date(2011, 1, 1)),
        (b, "50000", dt.date(2013, 1, 1)),  # after the date
        (d, "70000", dt.date(2012, 1, 1)),  # to an agency not yet registered on the date
    ):
        support_record(
            actor=registry_admin(),
            giver=giver,
            receiver=receiver,
            kind="funds",
            amount_yuan=Decimal(amount),
            starts_on=starts_on,
        )
    contracted_purchase(
        kind=PurchaseKind.POST,
        region="110102",
        supplier=a,
        amount=Decimal("300000.00"),
        starts_on=dt.date(2011, 6, 1),
        ends_on=dt.date(2013, 5, 31),
    )
    contracted_purchase(
        region="110105",
        supplier=c,
        amount=Decimal("100000.00"),
        starts_on=dt.date(2012, 1, 1),
        ends_on=dt.date(2012, 12, 31),
    )
    contracted_purchase(
        region="310101", supplier=a, amount=Decimal("500000.00"), starts_on=dt.date(2011, 1, 1)
    )
    return {"a": a, "b": b, "c": c, "d": d}
