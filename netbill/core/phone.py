"""Mobile numbers: parsed with phonenumbers, stored in E.164 (+8801XXXXXXXXX)."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_mobile(value: str, region: str | None = None) -> str:
    """Return the number in E.164, or raise ValidationError with a clear message."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile number."), code="required")
    try:
        number = phonenumbers.parse(raw, region or settings.NETBILL_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid mobile number."), code="invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid mobile number."), code="invalid")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("This is not a mobile number."), code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_mobile(value: str) -> str | None:
    try:
        return normalize_mobile(value)
    except ValidationError:
        return None
