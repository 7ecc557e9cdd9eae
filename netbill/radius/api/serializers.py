"""RADIUS API serializers: sessions (radacct) and CoA/Disconnect attempts, read-only."""

from rest_framework import serializers

from ..models import CoAAttempt, RadiusAccounting


class RadiusSessionSerializer(serializers.ModelSerializer):
    """One session as the NAS reported it; octets are 64-bit counters (bytes)."""

    class Meta:
        model = RadiusAccounting
        fields = [
            "id",
            "session_id",
            "username",
            "nas_ip_address",
            "start_time",
            "update_time",
            "stop_time",
            "session_time",
            "input_octets",
            "output_octets",
            "framed_ip_address",
            "calling_station_id",
            "terminate_cause",
        ]
        read_only_fields = fields


class CoAAttemptSerializer(serializers.ModelSerializer):
    """One CoA-Request or Disconnect-Request and its outcome (never the shared secret)."""

    class Meta:
        model = CoAAttempt
        fields = [
            "id",
            "username",
            "router",
            "nas_address",
            "session_id",
            "kind",
            "outcome",
            "error_cause",
            "reason",
            "detail",
            "attributes",
            "created_at",
        ]
        read_only_fields = fields
