from __future__ import annotations

import datetime as dt

import pytest

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied, StaleVersion, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.registry.models import Organization, OrganizationEvent, OrganizationPeriod, Support
from shuniu.registry.services import (
    organization_event_add,
    organization_event_delete,
    organization_register,
    organization_update,
    support_record,
)
from tests.factories import make_organization

ADMIN = cli_actor("test")


def periods(org):
    return list(
        OrganizationPeriod.objects.filter(organization=org)
        .order_by("start")
        .values_list("start", "end", "status", "kind", "division__code")
    )


def test_register_writes_events_periods_and_audit(db):
    # when
    org = organization_register(
        actor=ADMIN,
        name=" 东城区助人社工事务所 ",
        kind="agency",
        registrar_division=Division.objects.get(code="110101"),
        founded_on=dt.date(2009, 6, 1),
        registered_on=dt.date(2009, 6, 20),
        source="seed",
    )
    # then
    assert org.name == "东城区助人社工事务所"
    assert list(org.events.values_list("kind", "date")) == [
        ("founded", dt.date(2009, 6, 1)),
        ("registered", dt.date(2009, 6, 20)),
    ]
    assert periods(org) == [
        (dt.date(2009, 6, 1), dt.date(2009, 6, 20), "preparing", "agency", "110101"),
        (dt.date(2009, 6, 20), None, "registered", "agency", "110101"),
    ]
    actions = list(AuditRecord.objects.order_by("id").values_list("action", "actor_label"))
    assert [a for a, _ in actions] == [
        "organization.register",
        "organization_event.add",
        "organization_event.add",
    ]
    assert actions[0][1].startswith("cli:")
    assert (org.founded_on, org.registered_on, org.status) == (
        dt.date(2009, 6, 1),
        dt.date(2009, 6, 20),
        "registered",
    )


def test_valid_credit_code_is_normalised(db):
    org = make_organization(uscc=" 91350100m000100y43 ", legal_form="", kind="other")
    assert org.uscc == "91350100M000100Y43"


def test_wrong_check_character_needs_an_override_reason(db):
    division = Division.objects.get(code="110101")
    bad = "91350100M000100Y44"
    with pytest.raises(ValidationError) as caught:
        organization_register(
            actor=ADMIN, name="试点", kind="other", registrar_division=division, uscc=bad
        )
    assert "uscc" in caught.value.message_dict
    assert Organization.objects.count() == 0
    # with a reason the legal pilot code is accepted, flagged, and the reason audited
    org = organization_register(
        actor=ADMIN,
        name="试点",
        kind="other",
        registrar_division=division,
        uscc=bad,
        uscc_override_reason="早期试点代码，登记机关确认",
    )
    assert (org.uscc, org.uscc_override) == (bad, True)
    record = AuditRecord.objects.get(action="organization.register")
    assert record.after["uscc_override_reason"] == "早期试点代码，登记机关确认"


def test_structural_code_errors_are_never_overridden(db):
    with pytest.raises(ValidationError):
        organization_register(
            actor=ADMIN,
            name="x",
            kind="other",
            registrar_division=Division.objects.get(code="110101"),
            uscc="9135010",
            uscc_override_reason="please",
        )


def test_code_category_must_match_legal_form(db):
    # 91… is a business code; a social group's code starts 51
    with pytest.raises(ValidationError) as caught:
        make_organization(uscc="91350100M000100Y43", legal_form="social_group")
    assert "uscc" in caught.value.message_dict


def test_duplicate_code_names_the_holder(db):
    first = make_organization(name="甲")
    with pytest.raises(ValidationError) as caught:
        make_organization(name="乙", uscc=first.uscc)
    assert "甲" in caught.value.message_dict["uscc"][0]


def test_level_only_for_associations_and_hub_must_be_association(db):
    with pytest.raises(ValidationError) as caught:
        make_organization(association_level="city")
    assert "association_level" in caught.value.message_dict
    agency = make_organization()
    with pytest.raises(ValidationError) as caught:
        make_organization(hub=agency)
    assert "hub" in caught.value.message_dict


def test_dates_out_of_order_are_refused(db):
    with pytest.raises(ValidationError):
        make_organization(founded_on=dt.date(2010, 1, 2), registered_on=dt.date(2010, 1, 1))


def test_update_is_versioned_and_audited(db):
    org = make_organization(address="旧")
    updated = organization_update(actor=ADMIN, organization=org, expected_version=1, address="新")
    assert (updated.address, updated.version) == ("新", 2)
    with pytest.raises(StaleVersion):
        organization_update(actor=ADMIN, organization=org, expected_version=1, address="再")
    org.refresh_from_db()
    assert org.address == "新"
    assert AuditRecord.objects.filter(action="organization.update").count() == 1


def test_update_refuses_fields_recorded_by_events(db):
    org = make_organization(kind="other")
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="transformed",
        date=dt.date(2011, 1, 1),
        kind_after="agency",
        source="t",
    )
    with pytest.raises(ValidationError) as caught:
        organization_update(actor=ADMIN, organization=org, expected_version=None, kind="training")
    assert "kind" in caught.value.message_dict


def test_rename_keeps_the_former_name_searchable_and_in_history(db):
    org = make_organization(name="旧名社工事务所")
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="renamed",
        date=dt.date(2012, 1, 1),
        name_after="新名社工事务所",
        source="t",
    )
    org.refresh_from_db()
    event = org.events.get(kind="renamed")
    assert (org.name, event.name_before) == ("新名社工事务所", "旧名社工事务所")


def test_backdated_transformation_fixes_the_before_values(db):
    # given an organization transformed to agency in 2012
    org = make_organization(kind="other", registered_on=dt.date(2005, 1, 1))
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="transformed",
        date=dt.date(2012, 1, 1),
        kind_after="agency",
        source="t",
    )
    # when an earlier transformation (other -> training, 2008) is recorded afterwards
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="transformed",
        date=dt.date(2008, 1, 1),
        kind_after="training",
        source="t",
    )
    # then the history reads other -> training -> agency
    assert [(p[0], p[3]) for p in periods(org)] == [
        (dt.date(2005, 1, 1), "other"),
        (dt.date(2008, 1, 1), "training"),
        (dt.date(2012, 1, 1), "agency"),
    ]
    later = org.events.get(kind="transformed", date=dt.date(2012, 1, 1))
    assert (later.kind_before, later.kind_after) == ("training", "agency")


def test_same_day_events_collapse_into_one_period(db):
    org = make_organization(founded_on=dt.date(2010, 1, 1), registered_on=dt.date(2010, 1, 1))
    assert periods(org) == [(dt.date(2010, 1, 1), None, "registered", "agency", "110101")]


def test_event_delete_is_audited_and_rebuilds(db):
    org = make_organization(registered_on=dt.date(2010, 1, 1))
    event = organization_event_add(
        actor=ADMIN, organization=org, kind="revoked", date=dt.date(2011, 1, 1), source="t"
    )
    organization_event_delete(actor=ADMIN, event=event)
    assert periods(org) == [(dt.date(2010, 1, 1), None, "registered", "agency", "110101")]
    record = AuditRecord.objects.get(action="organization_event.delete")
    assert record.before["kind"] == "revoked"


def test_officer_is_scoped_to_jurisdiction_including_merged_divisions(db, xicheng_officer):
    # 宣武区 was merged into 西城区: a Xicheng officer may write there; not in 朝阳区
    org = organization_register(
        actor=xicheng_officer,
        name="宣武某所",
        kind="agency",
        registrar_division=Division.objects.get(code="110104"),
        registered_on=dt.date(2009, 1, 1),
    )
    assert org.pk
    with pytest.raises(PermissionDenied):
        organization_register(
            actor=xicheng_officer,
            name="朝阳某所",
            kind="agency",
            registrar_division=Division.objects.get(code="110105"),
        )
    assert Organization.objects.count() == 1


def test_support_needs_its_quantity(db):
    giver = make_organization(kind="government", legal_form="government", name="东城区社工委")
    receiver = make_organization()
    with pytest.raises(ValidationError) as caught:
        support_record(
            actor=ADMIN,
            giver=giver,
            receiver=receiver,
            kind="office_space",
            starts_on=dt.date(2010, 1, 1),
        )
    assert "area_m2" in caught.value.message_dict
    support = support_record(
        actor=ADMIN,
        giver=giver,
        receiver=receiver,
        kind="office_space",
        area_m2=120,
        starts_on=dt.date(2010, 1, 1),
        ends_on=dt.date(2012, 12, 31),
    )
    assert Support.objects.get().pk == support.pk
    assert AuditRecord.objects.filter(action="support.record").count() == 1


def test_unknown_event_fields_are_refused(db):
    org = make_organization()
    with pytest.raises(ValidationError):
        organization_event_add(
            actor=ADMIN,
            organization=org,
            kind="graded",
            date=dt.date(2012, 1, 1),
            source="t",
            colour="red",
        )
    assert OrganizationEvent.objects.filter(organization=org).count() == 1


def test_renamed_organization_is_found_by_new_and_former_name(db):
    from shuniu.registry.selectors import OrganizationFilter, organization_list

    org = make_organization(name="旧名社工事务所")
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="renamed",
        date=dt.date(2012, 1, 1),
        name_after="新名称服务中心",
        source="t",
    )
    for q in ("新名称", "旧名社", "新名"):
        items, _count = organization_list(actor=ADMIN, filters=OrganizationFilter(q=q))
        assert [o.pk for o in items] == [org.pk], q


def test_periods_carry_formation_for_statistics(db):
    org = make_organization(formation="independent")
    organization_update(
        actor=ADMIN, organization=org, expected_version=1, formation="university_local"
    )
    assert set(
        OrganizationPeriod.objects.filter(organization=org).values_list("formation", flat=True)
    ) == {"university_local"}


def test_hub_edit_is_refused_once_hub_events_exist(db):
    hub = make_organization(
        name="西城区社会工作者联合会",
        kind="association",
        association_level="district",
        legal_form="social_group",
    )
    other = make_organization(
        name="另一协会", kind="association", association_level="district", legal_form="social_group"
    )
    member = make_organization(name="悦群")
    organization_event_add(
        actor=ADMIN,
        organization=member,
        kind="joined_hub",
        date=dt.date(2009, 12, 31),
        hub=hub,
        source="t",
    )
    member.refresh_from_db()
    assert member.hub_id == hub.pk
    with pytest.raises(ValidationError) as caught:
        organization_update(actor=ADMIN, organization=member, expected_version=None, hub=other)
    assert "hub" in caught.value.message_dict
    member.refresh_from_db()
    assert member.hub_id == hub.pk
