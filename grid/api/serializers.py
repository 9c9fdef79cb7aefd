from __future__ import annotations

from rest_framework import serializers

from grid.models import KeyPerson
from intake.validators import mask_id_number, mask_phone


class KeyPersonSerializer(serializers.ModelSerializer):
    """ID number and phone are masked; the grid and group by name."""

    grid = serializers.CharField(source="grid.name")
    grid_code = serializers.CharField(source="grid.code")
    group = serializers.CharField(source="group.name")
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = KeyPerson
        fields = ["id", "name", "group", "grid", "grid_code", "id_number", "phone", "address", "risk_level",
                  "follow_up_every_days", "updated_at"]

    def get_id_number(self, obj: KeyPerson) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj: KeyPerson) -> str:
        return mask_phone(obj.phone)
