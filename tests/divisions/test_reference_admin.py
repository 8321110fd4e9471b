"""The back office's edits of reference data (divisions, census figures) are audited and move
the data version, so figures cached before the edit are not served after it (issue 10)."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from shuniu.core.dataversion import data_version
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Population


def _form(row: Population, **changes: object) -> dict[str, object]:
    data = {k: v for k, v in model_to_dict(row).items() if k != "id"}
    data.update(changes)
    return {k: "" if v is None else v for k, v in data.items()}


@pytest.mark.django_db
def test_editing_a_census_figure_is_audited_and_moves_the_data_version(client, admin_user):
    # Given: a census figure loaded by the migrations, and the data version before the edit
    population = Population.objects.filter(census=2020).order_by("id").first()
    assert population is not None
    before_version = data_version()
    old = population.population
    client.force_login(admin_user)

    # When: the superuser changes it in the back office
    response = client.post(
        f"/admin/divisions/population/{population.pk}/change/",
        _form(population, population=old + 1),
    )

    # Then: saved, one audit record with before and after, and a new data version
    assert response.status_code == 302
    population.refresh_from_db()
    assert population.population == old + 1
    record = AuditRecord.objects.get(object_type="divisions.population", action="update")
    assert record.object_id == str(population.pk)
    assert record.before["population"] == old
    assert record.after["population"] == old + 1
    assert record.actor_label == "admin"
    assert data_version() != before_version


@pytest.mark.django_db
def test_deleting_a_census_figure_is_audited_with_its_id(client, admin_user):
    # Given: a census figure
    population = Population.objects.order_by("id").first()
    assert population is not None
    pk, before_version = population.pk, data_version()
    client.force_login(admin_user)

    # When: the superuser deletes it
    response = client.post(f"/admin/divisions/population/{pk}/delete/", {"post": "yes"})

    # Then: gone, audited under its id with what it held, and the version moved
    assert response.status_code == 302
    assert not Population.objects.filter(pk=pk).exists()
    record = AuditRecord.objects.get(object_type="divisions.population", action="delete")
    assert record.object_id == str(pk)
    assert record.before["population"] == population.population
    assert record.after is None
    assert data_version() != before_version
