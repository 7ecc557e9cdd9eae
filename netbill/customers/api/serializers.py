from rest_framework import serializers

from ..models import CustomField


class CustomFieldSerializer(serializers.ModelSerializer):
    key = serializers.CharField(max_length=64, required=False, allow_blank=True)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_empty=True
    )

    class Meta:
        model = CustomField
        fields = [
            "id",
            "name",
            "key",
            "field_type",
            "choices",
            "mandatory",
            "order",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # Uniqueness is the service's to check (a clear field error, per tenant).
        validators = []
