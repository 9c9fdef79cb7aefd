"""Issue 21 item 4: no date or id typed into a form or sent to the API overflows the calendar or the
database. One way to read them (`governance.parsing`): this test finds every form and serializer of
the apps and fails when one parses a date, a model choice or an integer another way."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from rest_framework import serializers

from governance import parsing
from tests.sources import ROOT, source_files


def _classes(base: type) -> list[type]:
    found: dict[str, type] = {}
    for path in source_files():
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module_name.endswith(("admin", "settings", "wsgi", "asgi")) or ".management." in module_name:
            continue
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module_name:
                found[f"{module_name}.{name}"] = cls
    return sorted(found.items())


def test_every_form_reads_dates_ids_and_numbers_through_governance_parsing():
    problems = []
    for where, form in _classes(forms.BaseForm):
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField) and not isinstance(
                    field, parsing.DateFormField | parsing.DateTimeFormField):
                problems.append(f"{where}.{name}: a date field of governance.parsing (DateFormField, DateTimeFormField)")
            if isinstance(field, forms.ModelChoiceField) and not isinstance(
                    field, parsing.IdModelChoiceField | parsing.IdModelMultipleChoiceField):
                problems.append(f"{where}.{name}: IdModelChoiceField or IdModelMultipleChoiceField")
            if isinstance(field, forms.IntegerField) and field.max_value is None:
                problems.append(f"{where}.{name}: an integer without a maximum (IdFormField for an id)")
    assert problems == [], "\n".join(problems)


def test_every_api_date_is_read_through_governance_parsing():
    problems = []
    for where, serializer in _classes(serializers.Serializer):
        for name, field in serializer._declared_fields.items():
            if isinstance(field, serializers.DateField | serializers.DateTimeField) and not isinstance(
                    field, parsing.ApiDateField | parsing.ApiDateTimeField):
                problems.append(f"{where}.{name}: ApiDateField or ApiDateTimeField")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("text", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T23:59"])
def test_a_moment_outside_the_plausible_years_is_refused_with_the_years(text):
    field = parsing.DateTimeFormField(input_formats=["%Y-%m-%dT%H:%M"])
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(text)
    assert "1900" in str(refused.value) and "2199" in str(refused.value)
    assert field.clean("2199-12-31T23:59").year == 2199


def test_api_dates_outside_the_plausible_years_are_a_400_message():
    class Probe(serializers.Serializer):
        day = parsing.ApiDateField()
        at = parsing.ApiDateTimeField(required=False)

    assert not Probe(data={"day": "9999-12-31"}).is_valid()
    assert not Probe(data={"day": "2026-01-01", "at": "0001-01-01T00:00:00+08:00"}).is_valid()
    bad = Probe(data={"day": "2026-01-01", "at": "2200-01-01T00:00:00+08:00"})
    assert not bad.is_valid() and "1900" in str(bad.errors["at"][0])
    good = Probe(data={"day": "2026-01-01"})
    assert good.is_valid() and good.validated_data["day"] == dt.date(2026, 1, 1)


@pytest.mark.django_db
def test_ids_beyond_the_database_are_invalid_choices_not_queries():
    from governance.models import Department

    single = parsing.IdModelChoiceField(queryset=Department.objects.all())
    many = parsing.IdModelMultipleChoiceField(queryset=Department.objects.all())
    for bad in (str(10**30), "²", "-1"):
        with pytest.raises(forms.ValidationError):
            single.clean(bad)
        with pytest.raises(forms.ValidationError):
            many.clean([bad])
    with pytest.raises(forms.ValidationError):
        parsing.IdFormField().clean(str(10**30))


HUGE = str(10**30)


@pytest.mark.django_db
@pytest.mark.parametrize("url, query, statuses", [
    ("governance:calendar", {"year": "9999", "month": "12"}, (200,)),
    ("governance:calendar", {"year": "1", "month": "1"}, (200,)),
    ("governance:calendar", {"year": HUGE, "month": "1"}, (200,)),
    ("review:assessment", {"month": f"{HUGE}-01"}, (200,)),
    ("dispatch:roster", {"month": f"{HUGE}-01"}, (200,)),
    ("dispatch-api:roster", {"month": f"{HUGE}-01"}, (400,)),
    ("dispatch-api:roster", {"month": "9999-12"}, (400,)),
])
def test_months_and_years_beyond_the_calendar_in_a_query_are_not_a_500(client, url, query, statuses):
    """Issue 21 item 4: `?year=9999` overflowed computing the next month, a 30-digit year the date."""
    from django.urls import reverse

    from governance.tests.factories import CenterFactory, UserFactory

    center = CenterFactory(quanzhou=True)
    client.force_login(UserFactory(username="director", roles=["duty_director"], profile={"center": center}))
    response = client.get(reverse(url), query)
    assert response.status_code in statuses
    if url.startswith("dispatch-api"):
        assert response.json()["error"]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["grid_keyperson", "review_risksignal"])
@pytest.mark.parametrize("object_id", ["²", HUGE])
def test_an_admin_page_of_an_id_that_is_none_is_not_a_500(client, model, object_id):
    from django.urls import NoReverseMatch, reverse

    from governance.tests.factories import UserFactory

    admin = UserFactory(username="root", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    try:
        url = reverse(f"admin:{model}_change", args=[object_id])
    except NoReverseMatch:
        pytest.skip(f"{model} has no admin page")
    assert client.get(url).status_code in (302, 404)
