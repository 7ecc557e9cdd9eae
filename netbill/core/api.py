"""Base API classes: the same permission check and scoping as the panel's base views.

`CodePermission` is forced on every `TenantViewSet`; a subclass that swaps the
permission classes fails when it is defined.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from .exceptions import BusinessRuleError
from .permissions import BY_CODE, can, restrict


class CodePermission(BasePermission):
    """Allow an action when `can(user, code)`; objects also need to be in reach."""

    def has_permission(self, request, view):
        return can(request.user, view.required_code())

    def has_object_permission(self, request, view, obj):
        return can(request.user, view.required_code(), obj)


class TenantViewSet(viewsets.GenericViewSet):
    """Base viewset: `permission_codes` maps each action to a catalog code.

    The key "*" is the default. The queryset is restricted to the user's tenant and
    subtree for the action's code, so objects beyond reach answer 404.
    """

    permission_codes: dict[str, str] = {}
    permission_classes = [CodePermission]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if CodePermission not in cls.permission_classes:
            raise ImproperlyConfigured(f"{cls.__name__} must keep CodePermission.")
        for name in ("get_permissions", "check_permissions", "check_object_permissions"):
            if name in cls.__dict__:
                # These run CodePermission; a subclass that replaced them could skip it.
                raise ImproperlyConfigured(f"{cls.__name__} must not override {name}().")
        for code in cls.permission_codes.values():
            if code not in BY_CODE:
                raise ImproperlyConfigured(f"{cls.__name__}: unknown permission code {code!r}.")

    def get_permissions(self):
        # CodePermission always runs (even if permission_classes is changed later);
        # stricter classes a subclass adds next to it run too.
        extra = [cls() for cls in self.permission_classes if cls is not CodePermission]
        return [CodePermission(), *extra]

    def required_code(self) -> str:
        action = getattr(self, "action", None) or "*"
        try:
            return self.permission_codes.get(action) or self.permission_codes["*"]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"{type(self).__name__} has no permission code for {action!r}."
            ) from exc

    model = None

    def get_base_queryset(self):
        """Built per request: tenant-owned managers refuse to build querysets at import."""
        return self.model._default_manager.all()

    def get_queryset(self):
        return restrict(self.get_base_queryset(), self.request.user, self.required_code())


class ServiceCreateMixin(mixins.CreateModelMixin):
    """create() validates with the serializer, then calls `perform_service_create`."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            obj = self.perform_service_create(serializer)
        except BusinessRuleError as exc:
            raise serializers.ValidationError(_error_detail(exc)) from exc
        out = self.get_serializer(obj)
        return Response(out.data, status=status.HTTP_201_CREATED)


class ServiceUpdateMixin(mixins.UpdateModelMixin):
    """update() validates with the serializer, then calls `perform_service_update`."""

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            obj = self.perform_service_update(serializer, instance)
        except BusinessRuleError as exc:
            raise serializers.ValidationError(_error_detail(exc)) from exc
        return Response(self.get_serializer(obj).data)


def _error_detail(exc: BusinessRuleError):
    if hasattr(exc, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": exc.messages}
