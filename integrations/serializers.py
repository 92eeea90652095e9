"""What a hotel system sends, and what it gets back (DRF serializers: they validate and document)."""

from __future__ import annotations

from typing import Any

import phonenumbers
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import EventType

EVENT_TYPES = [choice.value for choice in EventType]


@extend_schema_field({"type": "string", "enum": EVENT_TYPES})
class EventTypeField(serializers.CharField):
    """Documented as the list of types; any other string is still read, and refused with its own reason."""


@extend_schema_field({"type": "string", "pattern": r"^\+[1-9]\d{6,14}$", "example": "+60123456789"})
class E164Field(serializers.CharField):
    pass


class IntegrationGuestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = E164Field(
        max_length=32, required=False, allow_blank=True, default="", help_text="E.164, e.g. +60123456789."
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=["en", "ms"], required=False, default="en")

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        if not value.startswith("+"):
            raise serializers.ValidationError("use E.164: a + then the country code, e.g. +60123456789")
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as exc:
            raise serializers.ValidationError(f"not a phone number: {exc}") from exc
        if not phonenumbers.is_valid_number(number):
            raise serializers.ValidationError("not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError("a phone (E.164) or an e-mail address is required to reach the guest")
        return attrs


class IntegrationBookingSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100)
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    room_type = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    adults = serializers.IntegerField(min_value=1, max_value=50, required=False)
    children = serializers.IntegerField(min_value=0, max_value=50, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["check_out"] <= attrs["check_in"]:
            raise serializers.ValidationError({"check_out": "must be after check_in"})
        return attrs


class IntegrationOrderItemSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class IntegrationOrderSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100)
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    items = IntegrationOrderItemSerializer(many=True, required=False, default=list)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, default=None)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="MYR")
    ready_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class IntegrationEventSerializer(serializers.Serializer):
    """One event. `booking` is required for booking.* types, `order` for order.* types."""

    id = serializers.CharField(
        max_length=200, help_text="Your own unique id for this event: a retry with the same id is answered once."
    )
    type = EventTypeField(max_length=64, help_text=f"One of: {', '.join(EVENT_TYPES)}.")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    guest = IntegrationGuestSerializer()
    booking = IntegrationBookingSerializer(required=False)
    order = IntegrationOrderSerializer(required=False)

    def validate_type(self, value: str) -> str:
        if value not in EVENT_TYPES:
            raise serializers.ValidationError(f"unknown event type {value!r}; expected one of {', '.join(EVENT_TYPES)}")
        return value

    def validate_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("the event id must not be blank")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["type"]
        if kind.startswith("booking.") and "booking" not in attrs:
            raise serializers.ValidationError({"booking": f"required for {kind}"})
        if kind.startswith("order.") and "order" not in attrs:
            raise serializers.ValidationError({"order": f"required for {kind}"})
        return attrs


class IntegrationEventResultSerializer(serializers.Serializer):
    """The answer to an accepted event; a retry of the same event gets the same answer with 200."""

    event_id = serializers.CharField()
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=["accepted"])
    record_id = serializers.IntegerField(help_text="Our id for the event in this property.")
    guest_id = serializers.IntegerField()
    received_at = serializers.DateTimeField()


class IntegrationErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What was wrong, for the sender's logs.")
    details = serializers.JSONField(required=False, help_text="Per-field validation errors, when any.")
