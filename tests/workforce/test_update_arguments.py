"""Update services take each field as a keyword argument: ``UNSET`` (not given) leaves a field
alone, while ``None`` or ``""`` given set it to that."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st

from shuniu.core.unset import UNSET, given
from shuniu.registry.services import organization_update
from shuniu.workforce.models import Person
from shuniu.workforce.services import person_update
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, make_person


@hypothesis_given(
    st.dictionaries(
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
        st.one_of(st.just(UNSET), st.none(), st.just(""), st.integers(), st.text(max_size=5)),
    )
)
def test_given_keeps_exactly_the_values_that_are_not_unset(values: dict[str, Any]):
    # when
    kept = given(**values)
    # then None, "" and 0 are kept as values; only UNSET is dropped
    assert kept == {name: value for name, value in values.items() if value is not UNSET}
    assert not UNSET


def test_a_blank_or_none_given_clears_a_field_and_unset_leaves_the_others(db):
    # given a person with a phone, a major and a graduation year
    person = make_person(phone="13800000000", major="社会工作", graduation_year=2010)
    # when only the phone is given, blank, and the graduation year, None
    updated = person_update(
        actor=SYSTEM, person=person, expected_version=1, phone="", graduation_year=None
    )
    # then those two are cleared and the major (not given) is kept
    stored = Person.objects.get(pk=updated.pk)
    assert (stored.phone, stored.graduation_year, stored.major) == ("", None, "社会工作")
    assert stored.version == 2


def test_an_organization_keeps_its_hub_unless_hub_is_given(db):
    # given an organization in a hub
    hub = make_organization(name="枢纽组织", kind="association")
    org = make_organization(name="成员组织")
    org = organization_update(actor=SYSTEM, organization=org, expected_version=1, hub=hub)
    # when its address alone is corrected
    org = organization_update(
        actor=SYSTEM, organization=org, expected_version=2, address=" 东城区某路1号 "
    )
    # then the hub stays
    assert (org.address, org.hub) == ("东城区某路1号", hub)
    # and when hub=None is given, it leaves the hub
    org = organization_update(actor=SYSTEM, organization=org, expected_version=3, hub=None)
    assert org.hub is None


def test_a_field_that_cannot_be_changed_is_not_an_argument(db):
    # given a person
    person = make_person()
    # when an update names a field outside PERSON_UPDATABLE, then the call itself is refused
    with pytest.raises(TypeError):
        person_update(actor=SYSTEM, person=person, expected_version=1, sex="M")  # type: ignore[call-arg]
    assert Person.objects.get(pk=person.pk).version == 1
