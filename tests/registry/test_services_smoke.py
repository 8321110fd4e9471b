import datetime as dt

from shuniu.registry.models import OrganizationPeriod
from tests.factories import make_organization


def test_registered_organization_has_one_open_period(db):
    # given / when
    org = make_organization(registered_on=dt.date(2010, 3, 1))
    # then
    periods = list(
        OrganizationPeriod.objects.filter(organization=org).values_list("start", "end", "status")
    )
    assert periods == [(dt.date(2010, 3, 1), None, "registered")]
    assert org.status == "registered"
    assert org.version == 1
