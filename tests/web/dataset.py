"""A small, exactly known registry shared by the page tests and the browser tests."""

from __future__ import annotations

import datetime as dt

from shuniu.registry.models import Organization
from tests.factories import make_organization


def make_small_beijing() -> dict[str, Organization]:
    """Three agencies in two Beijing districts plus one association.

    The first registered in 崇文区 in 2009, which merged into 东城区 on 2010-07-01, so it
    counts in 崇文 on 2009-12-31 and in 东城 from 2010 on. The third is still registering.
    As of 2011-12-31: 东城区 2, 西城区 1 agencies (2 registered, 1 registering), 海淀区 1
    association.
    """
    return {
        "chongwen": make_organization(
            name="崇文助人社工事务所",
            division="110103",
            registered_on=dt.date(2009, 6, 1),
            formation="university_local",
        ),
        "dongcheng": make_organization(
            name="东城启明社工事务所",
            division="110101",
            registered_on=dt.date(2010, 3, 1),
            formation="transformation",
        ),
        "xicheng": make_organization(
            name="西城悦群社工事务所",
            division="110102",
            registered_on=None,
            registration_applied_on=dt.date(2011, 5, 1),
            formation="association_led",
        ),
        "association": make_organization(
            name="海淀区社会工作者协会",
            kind="association",
            division="110108",
            legal_form="social_group",
            association_level="district",
            registered_on=dt.date(2010, 9, 1),
        ),
    }
