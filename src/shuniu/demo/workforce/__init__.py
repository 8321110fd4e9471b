"""The demo workforce: synthetic people with certificates and employers, the universities
that graduate social-work students and Beijing's 2009 programme, reproducing the 2012
survey's figures as of 2012-11-30:

- Beijing: exactly 11,723 certified (8,800 junior, 2,923 intermediate); 5,136 graduates
  placed by the 2009 大学生社工计划; 23 universities graduating over 1,000 social-work
  students a year;
- Shanghai: 13,876 certified ("nearly 14,000");
- Shenzhen: a smaller workforce, so that its agencies are staffed too.

Agencies of the three cities are staffed from these people from the day they became
agencies, with some turnover. A few certificates were revoked, some holders moved up to
intermediate, and 2013's exam adds people after the survey date, so that the "as of"
logic has something to tell apart.

Everything is synthetic (``synthetic=True``): names are drawn from common characters, ID
numbers are valid ones made by ``identity.generate_id_number``, and certificate numbers
start with ``SYN-`` (real certificate numbers are digits only, so none of these can be a
real one). The universities' names are invented too (except 北京青年政治学院, named by the
survey) and their graduate counts are illustrative.

Loading goes through the workforce's bulk writes, the code path of ``shuniu import
people``: the people import (people, certificates, employments: checked row by row, ID
numbers protected, matched by ID hash, certificate number and (person, employer, start)),
then ``workforce.bulk.pipeline`` for cohorts and placements. Their audit trail gets one
summary record per table and load (``<table>.demo_load`` with the count and the id range)
instead of one per row, which would add some 100,000 audit rows to every demo load; the
universities, the programme and the few revocations go through the services one by one.
Idempotent: a second load creates nothing.
"""

from __future__ import annotations

from shuniu.demo.workforce.load import STEPS, WorkforceTally, workforce_load
from shuniu.demo.workforce.plan import (
    CERTIFICATE_PREFIX,
    CERTIFIED_ON_SURVEY_DATE,
    CITY_REGISTERED_SHARE,
    COHORT_YEARS,
    EXAM_YEAR_WEIGHTS,
    NEW_IN_2013,
    PLACED,
    PLACED_CERTIFIED,
    PLACEMENT_END,
    PLACEMENT_START,
    PROGRAMME_NAME,
    PROGRAMME_SOURCE,
    REGISTRATION_WEIGHTS,
    REVOKED_AFTER,
    REVOKED_BEFORE,
    SEED,
    SOURCE,
    SURVEY_DATE,
    UNCERTIFIED_STAFF,
    UNIVERSITY_COUNT,
    UNIVERSITY_SERIAL_BLOCK,
    UNIVERSITY_SOURCE,
    UPGRADED_SHARE,
    UPGRADES_IN_2013,
    CertificatePlan,
    PersonPlan,
    UniversityPlan,
    WorkforcePlan,
    build_plan,
    d,
)
from shuniu.demo.workforce.staffing import (
    STAFF_UNTIL,
    AgencyLife,
    agency_lives,
    life_day,
    plan_employment,
)

__all__ = [
    "CERTIFICATE_PREFIX",
    "CERTIFIED_ON_SURVEY_DATE",
    "CITY_REGISTERED_SHARE",
    "COHORT_YEARS",
    "EXAM_YEAR_WEIGHTS",
    "NEW_IN_2013",
    "PLACED",
    "PLACED_CERTIFIED",
    "PLACEMENT_END",
    "PLACEMENT_START",
    "PROGRAMME_NAME",
    "PROGRAMME_SOURCE",
    "REGISTRATION_WEIGHTS",
    "REVOKED_AFTER",
    "REVOKED_BEFORE",
    "SEED",
    "SOURCE",
    "STAFF_UNTIL",
    "STEPS",
    "SURVEY_DATE",
    "UNCERTIFIED_STAFF",
    "UNIVERSITY_COUNT",
    "UNIVERSITY_SERIAL_BLOCK",
    "UNIVERSITY_SOURCE",
    "UPGRADED_SHARE",
    "UPGRADES_IN_2013",
    "AgencyLife",
    "CertificatePlan",
    "PersonPlan",
    "UniversityPlan",
    "WorkforcePlan",
    "WorkforceTally",
    "agency_lives",
    "build_plan",
    "d",
    "life_day",
    "plan_employment",
    "workforce_load",
]
