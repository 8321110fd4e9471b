"""The back office shows ID numbers masked only, never the cipher, and saves through the
services."""

from __future__ import annotations

import datetime as dt

from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.workforce.models import Certificate, Employment, Person
from tests.factories import make_organization
from tests.workforce.factories import make_certificate, make_person

NUMBER = "11010519491231002X"
MASKED = "110105***********X"


def test_admin_pages_show_the_masked_number_only(client, admin_user):
    # given
    person = make_person(name="张三", number=NUMBER)
    cert = make_certificate(person)
    client.force_login(admin_user)
    # when
    pages = [
        client.get("/admin/workforce/person/"),
        client.get(f"/admin/workforce/person/{person.pk}/change/"),
        client.get(f"/admin/workforce/certificate/{cert.pk}/change/"),
        client.get("/admin/workforce/person/", {"q": "张三"}),
    ]
    # then
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert MASKED in html
        assert NUMBER not in html
        assert person.id_cipher not in html
        assert person.id_hash not in html
        # nor the stored mask's last four, nor the birth date: with the address code they
        # would give the number back but for a few dozen candidates
        assert "002X" not in html
        assert "1949-12-31" not in html
        assert "Dec. 31, 1949" not in html


def test_admin_enters_a_person_through_the_service(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/workforce/person/add/",
        {
            "name": "李四",
            "id_number": "440524188001010014",
            "education_level": "bachelor",
            "version": 1,
            "certificates-TOTAL_FORMS": 0,
            "certificates-INITIAL_FORMS": 0,
            "employments-TOTAL_FORMS": 0,
            "employments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="李四")
    assert (person.id_masked, person.sex) == ("440524********0014", "M")  # as stored
    assert AuditRecord.objects.filter(action="person.register", actor=admin_user).count() == 1
    # a wrong number is refused with its reason and nothing is written
    refused = client.post(
        "/admin/workforce/person/add/",
        {
            "name": "王五",
            "id_number": "440524188001010015",
            "version": 1,
            "certificates-TOTAL_FORMS": 0,
            "certificates-INITIAL_FORMS": 0,
            "employments-TOTAL_FORMS": 0,
            "employments-INITIAL_FORMS": 0,
        },
        follow=True,
    )
    assert "wrong check character 5 (expected 4)" in refused.content.decode()
    assert not Person.objects.filter(name="王五").exists()


def test_the_back_office_lists_only_the_people_the_user_may_see(client, make_officer):
    # given an officer of 西城 allowed into the back office's people list (staff, with the
    # view permissions), a person certified in 西城 and one certified in 海淀
    from django.contrib.auth.models import Permission

    officer = make_officer("xc_officer", "110102")
    officer.is_staff = True
    officer.save()
    officer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="workforce",
            codename__in=["view_person", "view_certificate"],
        )
    )
    here = make_person(name="西城人")
    make_certificate(here, division="110102")
    there = make_person(name="海淀人")
    elsewhere = make_certificate(there, division="110108")
    client.force_login(officer)
    # when they open the lists and the other district's records
    people = client.get("/admin/workforce/person/").content.decode()
    certificates = client.get("/admin/workforce/certificate/").content.decode()
    hidden_person = client.get(f"/admin/workforce/person/{there.pk}/change/")
    hidden_certificate = client.get(f"/admin/workforce/certificate/{elsewhere.pk}/change/")
    # then only 西城's person is there, and the others are not found
    assert "西城人" in people
    assert "海淀人" not in people
    assert "海淀人" not in certificates
    assert elsewhere.number not in certificates
    assert hidden_person.status_code == 302  # the admin's "does not exist" redirect
    assert hidden_certificate.status_code == 302


def test_admin_adds_certificates_and_employments_through_their_services(client, admin_user):
    # given a person born in 1985 and an agency
    person = make_person()
    agency = make_organization(name="某社工机构")
    client.force_login(admin_user)
    xicheng = Division.objects.get(code="110102").pk
    # when a certificate and an employment are added in the back office
    certificate = client.post(
        "/admin/workforce/certificate/add/",
        {
            "person": person.pk,
            "level": 1,
            "number": "A0000001",
            "exam_year": 2012,
            "issued_on": "2012-11-01",
            "registered_division": xicheng,
        },
    )
    job = client.post(
        "/admin/workforce/employment/add/",
        {
            "person": person.pk,
            "organization": agency.pk,
            "role": "social_worker",
            "starts_on": "2013-01-01",
            "full_time": "on",
        },
    )
    # then both are stored through the services, audited as the administrator's
    assert (certificate.status_code, job.status_code) == (302, 302)
    assert list(Certificate.objects.values_list("number", "person_id")) == [("A0000001", person.pk)]
    assert list(Employment.objects.values_list("organization_id", "starts_on")) == [
        (agency.pk, dt.date(2013, 1, 1))
    ]
    assert sorted(
        AuditRecord.objects.filter(actor=admin_user).values_list("action", flat=True)
    ) == ["certificate.add", "employment.start"]
    # and an employment before the person's 16th birthday is refused with the reason,
    # nothing written
    refused = client.post(
        "/admin/workforce/employment/add/",
        {
            "person": person.pk,
            "organization": agency.pk,
            "role": "social_worker",
            "starts_on": "1990-01-01",
            "full_time": "on",
        },
        follow=True,
    )
    assert "16th birthday" in refused.content.decode()
    assert Employment.objects.count() == 1


def test_a_persons_certificates_are_shown_read_only_on_their_form(client, admin_user):
    # given a person with a certificate
    person = make_person()
    make_certificate(person, number="T12345678")
    client.force_login(admin_user)
    # when the person's back-office form is opened
    page = client.get(f"/admin/workforce/person/{person.pk}/change/").content.decode()
    # then the certificate is shown, as text, not as an input, and none can be added there
    assert "T12345678" in page
    assert 'name="certificates-0-number"' not in page
    assert 'name="certificates-TOTAL_FORMS" value="1"' in page
    assert 'name="certificates-MAX_NUM_FORMS" value="0"' in page
