"""Operators, staff users, special permissions, the activity log and the platform pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.permissions import can, restrict
from netbill.core.views import (
    BaseView,
    ObjectActionView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    add_service_error,
)
from netbill.tenancy.models import Tenant
from netbill.tenancy.services import tenant_set_active

from . import services
from .choices import OperatorKindChoices as Kind
from .choices import UserRoleChoices as Role
from .filters import AuditLogFilterSet, OperatorFilterSet, UserFilterSet
from .forms import (
    ApiKeyForm,
    CreditLimitForm,
    LoginForm,
    OperatorCreateForm,
    OperatorEditForm,
    PermissionsForm,
    SalesNoteForm,
    StaffUserCreateForm,
    SubOperatorCreateForm,
    TenantCreateForm,
    UserEditForm,
)
from .impersonation import may_get_access
from .models import ApiKey, Operator, User
from .queries import activity_log_for
from .tables import AuditLogTable, OperatorTable, UserTable

#
# Login
#


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        user = self.request.user
        if user.is_platform_admin:
            return reverse("accounts:platform_tenants")
        if user.is_noc:
            return reverse("monitoring:noc_dashboard")
        return super().get_default_redirect_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


#
# Operators
#


class OperatorListView(ObjectListView):
    """Operators → Operator List (read-only for sales managers)."""

    permission_required = "operators.view"
    model = Operator
    filterset_class = OperatorFilterSet
    table_class = OperatorTable
    title = _("Operator List")
    create_url_name = "accounts:operator_add"
    create_permission = "operators.create"

    def get_base_queryset(self):
        return Operator.objects.select_related("parent").exclude(kind=Kind.ROOT).order_by("name")

    def get_table_kwargs(self):
        return {"show_money": can(self.request.user, "operators.balance"), "request": self.request}

    def get_table(self, **kwargs):
        # Get Access buttons for the rows on this page only (one query, not one per row).
        table = super().get_table(**kwargs)
        page = getattr(table, "page", None)
        shown = [row.record.pk for row in page.object_list] if page else []
        user = self.request.user
        logins = User.in_tenant.select_related("operator").filter(
            operator_id__in=shown, role__in=[Role.OPERATOR, Role.SUB_OPERATOR]
        )
        table.access_users = {
            u.operator_id: u for u in logins if may_get_access(hijacker=user, hijacked=u)
        }
        return table


class OperatorView(ObjectView):
    permission_required = "operators.view"
    model = Operator
    template_name = "accounts/operator.html"

    def get_base_queryset(self):
        return Operator.objects.select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        op, user = self.object, self.request.user
        context["children"] = restrict(op.children.all(), user, "operators.view")
        staff = User.in_tenant.filter(operator=op).order_by("role", "username")
        context["staff"] = staff
        context["login_user"] = staff.filter(role__in=[Role.OPERATOR, Role.SUB_OPERATOR]).first()
        context["show_money"] = can(user, "operators.balance", op)
        context["can_credit_limit"] = can(user, "operators.credit_limit", op)
        edit_code = "sub_operators.manage" if op.kind == Kind.SUB_OPERATOR else "operators.edit"
        context["can_edit"] = not op.is_root and can(user, edit_code, op)
        context["edit_url_name"] = (
            "accounts:sub_operator_edit"
            if op.kind == Kind.SUB_OPERATOR
            else "accounts:operator_edit"
        )
        login_user = context["login_user"]
        context["can_access"] = login_user is not None and may_get_access(
            hijacker=user, hijacked=login_user
        )
        context["can_permissions"] = (
            login_user is not None
            and can(user, "permissions.manage", login_user)
            and services.manageable_by(user, login_user)
        )
        if can(user, "sales_notes.add", op):
            context["note_form"] = SalesNoteForm()
        context["notes"] = op.sales_notes.select_related("author")[:50]
        return context


class OperatorCreateView(ObjectEditView):
    """Operators → Create Operator."""

    permission_required = "operators.create"
    model = Operator
    form_class = OperatorCreateForm
    success_message = _("Operator created.")

    def save(self, form, instance):
        data = form.cleaned_data
        return services.operator_create(
            by=self.request.user,
            kind=form.kind,
            parent=data.get("parent"),
            name=data["name"],
            username=data["username"],
            password=data["password"],
            mobile=data["mobile"],
            email=data.get("email", ""),
            address=data.get("address", ""),
            credit_limit=data.get("credit_limit") or 0,
        )

    def get_object(self):
        return None


class SubOperatorCreateView(OperatorCreateView):
    """Operators → Create Sub-Operator (Group Admin, or an operator in its own subtree)."""

    permission_required = "sub_operators.manage"
    form_class = SubOperatorCreateForm
    success_message = _("Sub-operator created.")


class OperatorEditView(ObjectEditView):
    permission_required = "operators.edit"
    model = Operator
    form_class = OperatorEditForm
    kind = Kind.OPERATOR

    def get_base_queryset(self):
        return Operator.objects.filter(kind=self.kind)

    def save(self, form, instance):
        return services.operator_update(
            operator=instance, by=self.request.user, data=form.changes()
        )


class SubOperatorEditView(OperatorEditView):
    permission_required = "sub_operators.manage"
    kind = Kind.SUB_OPERATOR


class OperatorCreditLimitView(ObjectEditView):
    """Operators → Operator List → Credit Limit."""

    permission_required = "operators.credit_limit"
    model = Operator
    form_class = CreditLimitForm

    def get_base_queryset(self):
        return Operator.objects.exclude(kind=Kind.ROOT)

    success_message = _("Credit limit saved.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        kwargs.pop("instance")
        kwargs["initial"] = {"credit_limit": self.object.credit_limit}
        return kwargs

    def save(self, form, instance):
        return services.operator_set_credit_limit(
            operator=instance, by=self.request.user, amount=form.cleaned_data["credit_limit"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Credit limit of %(op)s") % {"op": self.object}
        return context


class SalesNoteAddView(ObjectActionView):
    permission_required = "sales_notes.add"
    model = Operator

    def perform(self, obj):
        form = SalesNoteForm(self.request.POST)
        if not form.is_valid():
            raise BusinessRuleError(_("Write a note of at most 4000 characters."))
        services.sales_note_add(by=self.request.user, operator=obj, body=form.cleaned_data["body"])
        return _("Note added.")


#
# Staff users: managers, NOC users, sales managers
#


class StaffListView(ObjectListView):
    abstract = True
    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    role = None

    def get_base_queryset(self):
        return User.in_tenant.select_related("operator").filter(role=self.role)


class StaffCreateView(ObjectEditView):
    abstract = True
    model = User
    form_class = StaffUserCreateForm
    role = None
    with_operator = False
    with_codes = False

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            role=self.role,
            with_operator=self.with_operator,
            with_codes=self.with_codes,
            manage_code=self.permission_required,
        )
        return kwargs

    def get_object(self):
        return None

    def save(self, form, instance):
        data = form.cleaned_data
        return services.staff_user_create(
            by=self.request.user,
            role=self.role,
            operator=data.get("operator"),
            username=data["username"],
            password=data["password"],
            name=data["name"],
            mobile=data["mobile"],
            email=data.get("email", ""),
            codes=set(data["codes"]) if self.with_codes else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        return context


class ManagerListView(StaffListView):
    permission_required = "managers.manage"
    role = Role.MANAGER
    title = _("Managers")
    create_url_name = "accounts:manager_add"


class ManagerCreateView(StaffCreateView):
    permission_required = "managers.manage"
    role = Role.MANAGER
    with_operator = True
    title = _("New Manager")
    success_message = _("Manager created.")


class NocUserListView(StaffListView):
    """Operators & Managers → NOC Users."""

    permission_required = "noc_users.manage"
    role = Role.NOC
    title = _("NOC Users")
    create_url_name = "accounts:noc_user_add"


class NocUserCreateView(StaffCreateView):
    permission_required = "noc_users.manage"
    role = Role.NOC
    with_codes = True
    title = _("New NOC User")
    success_message = _("NOC user created.")


class SalesManagerListView(StaffListView):
    """Settings → Sales Managers."""

    permission_required = "sales_managers.manage"
    role = Role.SALES_MANAGER
    title = _("Sales Managers")
    create_url_name = "accounts:sales_manager_add"


class SalesManagerCreateView(StaffCreateView):
    permission_required = "sales_managers.manage"
    role = Role.SALES_MANAGER
    title = _("New Sales Manager")
    success_message = _("Sales manager created.")


class UserView(ObjectView):
    permission_required = "users.view"
    model = User
    template_name = "accounts/user.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        target, user = self.object, self.request.user
        context["can_edit"] = can(user, services.manage_code_for(target), target) and (
            target.pk != user.pk
        )
        context["can_permissions"] = can(user, "permissions.manage", target) and (
            services.manageable_by(user, target)
        )
        context["can_access"] = may_get_access(hijacker=user, hijacked=target)
        return context


class UserEditView(ObjectEditView):
    permission_required = "users.view"
    model = User
    form_class = UserEditForm

    def get_object(self):
        obj = super().get_object()
        if not can(self.request.user, services.manage_code_for(obj), obj):
            raise PermissionDenied
        return obj

    def save(self, form, instance):
        return services.user_update(user=instance, by=self.request.user, data=form.changes())


#
# Special permissions
#


class SpecialPermissionListView(ObjectListView):
    """Settings → Special Permissions: whose permissions this user may change."""

    permission_required = "permissions.manage"
    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    title = _("Special Permissions")
    template_name = "accounts/special_permissions_list.html"

    def get_queryset(self):
        user = self.request.user
        qs = super().get_queryset().exclude(pk=user.pk)
        if user.role == Role.GROUP_ADMIN:
            return qs.exclude(role=Role.GROUP_ADMIN)
        return qs.filter(role__in=[Role.SUB_OPERATOR, Role.MANAGER, Role.CARD_DISTRIBUTOR])


class SpecialPermissionEditView(ObjectEditView):
    permission_required = "permissions.manage"
    model = User
    form_class = PermissionsForm
    template_name = "accounts/special_permissions.html"
    success_message = _("Permissions saved.")

    def get_object(self):
        obj = super().get_object()
        if not services.manageable_by(self.request.user, obj):
            # Beyond the user's reach as far as permissions go: same answer as unknown.
            raise Http404
        return obj

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance")
        kwargs["target"] = self.object
        return kwargs

    def save(self, form, instance):
        return services.user_set_permissions(
            user=instance, by=self.request.user, codes=form.chosen_codes()
        )

    def get_success_url(self, obj=None):
        return reverse("accounts:special_permissions", args=[obj.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Special Permissions of %(user)s") % {"user": self.object}
        return context


#
# Activity log
#


class ActivityLogView(ObjectListView):
    """Settings → Activity Log."""

    permission_required = "activity_log.view"
    model = AuditLog
    filterset_class = AuditLogFilterSet
    table_class = AuditLogTable
    title = _("Activity Log")

    def get_base_queryset(self):
        return activity_log_for(self.request.user)

    def get_table_kwargs(self):
        # Credit limits and balances in the log are operator money (NOC never sees it).
        return {"show_money": can(self.request.user, "operators.balance")}


#
# API keys (scaffold of the API-key scheme)
#


class ApiKeyListView(BaseView, FormView):
    permission_required = "api.keys"
    template_name = "accounts/api_keys.html"
    form_class = ApiKeyForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = ApiKey.objects.filter(user=self.request.user).order_by("-created_at")
        return context

    def form_valid(self, form):
        key, token = services.api_key_create(by=self.request.user, name=form.cleaned_data["name"])
        return self.render_to_response(self.get_context_data(form=ApiKeyForm(), new_token=token))


class ApiKeyRevokeView(BaseView):
    permission_required = "api.keys"
    http_method_names = ["post"]

    def post(self, request, pk):
        key = get_object_or_404(ApiKey, pk=pk, user=request.user)
        services.api_key_revoke(key=key, by=request.user)
        messages.success(request, _("API key revoked."))
        return redirect("accounts:api_keys")


#
# Platform (SaaS owner): tenants. Tenants are global, so these views do not restrict().
#


class TenantListView(BaseView, TemplateView):
    permission_required = "platform.manage"
    template_name = "accounts/platform_tenants.html"

    def get_context_data(self, **kwargs):
        from netbill.core.models import WorkerHeartbeat

        context = super().get_context_data(**kwargs)
        context["tenants"] = Tenant.objects.order_by("name")
        context["heartbeats"] = WorkerHeartbeat.objects.order_by("name")
        return context


class TenantCreateView(BaseView, FormView):
    permission_required = "platform.manage"
    template_name = "core/object_edit.html"
    form_class = TenantCreateForm
    extra_context = {"title": _("New ISP")}

    def form_valid(self, form):
        try:
            tenant, admin = services.tenant_onboard(by=self.request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            add_service_error(
                form,
                exc,
                {
                    "username": "admin_username",
                    "password": "admin_password",
                    "mobile": "admin_mobile",
                },
            )
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("ISP %(name)s created; its Group Admin is %(user)s.")
            % {"name": tenant.name, "user": admin.username},
        )
        return HttpResponseRedirect(tenant.get_absolute_url())


class TenantView(BaseView, TemplateView):
    permission_required = "platform.manage"
    template_name = "accounts/platform_tenant.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = get_object_or_404(Tenant, pk=self.kwargs["pk"])
        context["tenant"] = tenant
        context["admins"] = User.objects.filter(tenant=tenant, role=Role.GROUP_ADMIN)
        return context


class TenantToggleView(BaseView):
    permission_required = "platform.manage"
    http_method_names = ["post"]

    def post(self, request, pk):
        tenant = get_object_or_404(Tenant, pk=pk)
        tenant = tenant_set_active(tenant=tenant, by=request.user, active=not tenant.is_active)
        messages.success(
            request,
            _("ISP reinstated.")
            if tenant.is_active
            else _("ISP suspended: its users can no longer log in."),
        )
        return redirect(tenant.get_absolute_url())
