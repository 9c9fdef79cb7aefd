"""The output shapes build their fields from the model once per class and give each instance a copy."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from intake.api.serializers import CaseDetailSerializer, CaseListItemSerializer, PartyOutSerializer
from intake.tests.factories import CaseFactory


@pytest.mark.parametrize("shape", [CaseDetailSerializer, CaseListItemSerializer, PartyOutSerializer])
def test_each_instance_gets_its_own_copy_of_the_fields_drf_would_build(shape):
    first, second = shape(), shape()
    built = serializers.ModelSerializer.get_fields(shape())  # what DRF builds on every instance
    assert list(first.fields) == list(second.fields) == list(built)
    for name in built:
        assert type(first.fields[name]) is type(built[name])
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second


@pytest.mark.django_db
def test_a_list_and_a_detail_of_the_same_matter_share_their_common_fields():
    case = CaseFactory(title="工地拖欠工资")
    case.party_rows, case.attachment_rows, case.link_rows, case.timeline_rows = [], [], [], []
    item = CaseListItemSerializer(case).data
    detail = CaseDetailSerializer(case).data
    assert {key: detail[key] for key in item} == item
    assert "timeline" in detail and "timeline" not in item


@pytest.mark.parametrize("shape", [CaseDetailSerializer, CaseListItemSerializer, PartyOutSerializer])
def test_the_built_fields_stay_unbound(shape):
    shape().fields  # noqa: B018 - builds the set, binds a copy
    assert {name: getattr(field, "parent", None) for name, field in shape._built_fields.items()} == dict.fromkeys(
        shape._built_fields)


def test_nested_shapes_are_never_shared_between_instances():
    first, second = CaseDetailSerializer(), CaseDetailSerializer()
    nested = [name for name, field in first.fields.items() if isinstance(field, serializers.ListSerializer)]
    assert set(nested) == {"parties", "attachments", "links", "timeline"}
    for name in nested:
        assert first.fields[name].child is not second.fields[name].child
        assert first.fields[name].child.parent is first.fields[name]
        assert all(field.parent is first.fields[name].child for field in first.fields[name].child.fields.values())
