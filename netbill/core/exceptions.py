"""Exceptions that services raise and views turn into user-facing errors."""

from django.core.exceptions import ValidationError


class BusinessRuleError(ValidationError):
    """A rule of the business was broken; the message is safe to show to the user.

    It is a ValidationError so that forms and serializers show it as a field or form
    error without extra glue.
    """


class OutOfReach(BusinessRuleError):
    """The object lies outside the acting user's tenant or operator subtree."""
