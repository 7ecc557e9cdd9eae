"""Guards every service starts with (STYLE.md: services check the rule themselves)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .exceptions import BusinessRuleError, OutOfReach
from .permissions import can, in_reach


def require_permission(by, code: str, obj=None) -> None:
    """Refuse unless `by` holds `code` and, when given, reaches `obj`."""
    if not can(by, code):
        raise BusinessRuleError(_("You do not have permission to do this."), code="forbidden")
    if obj is not None and not in_reach(by, obj):
        raise OutOfReach(_("This is outside your reach."), code="out_of_reach")


def full_clean(obj, **kwargs) -> None:
    """`obj.full_clean()`, its errors raised as a BusinessRuleError so that views and the
    API show them as field errors (a bare ValidationError would be a server error)."""
    try:
        obj.full_clean(**kwargs)
    except BusinessRuleError:
        raise
    except ValidationError as exc:
        raise BusinessRuleError(exc.message_dict) from exc
