from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("operators/", views.OperatorListView.as_view(), name="operator_list"),
    path("operators/add/", views.OperatorCreateView.as_view(), name="operator_add"),
    path(
        "operators/add-sub-operator/",
        views.SubOperatorCreateView.as_view(),
        name="sub_operator_add",
    ),
    path("operators/<int:pk>/", views.OperatorView.as_view(), name="operator"),
    path("operators/<int:pk>/edit/", views.OperatorEditView.as_view(), name="operator_edit"),
    path(
        "operators/<int:pk>/edit-sub-operator/",
        views.SubOperatorEditView.as_view(),
        name="sub_operator_edit",
    ),
    path(
        "operators/<int:pk>/credit-limit/",
        views.OperatorCreditLimitView.as_view(),
        name="operator_credit_limit",
    ),
    path("operators/<int:pk>/notes/", views.SalesNoteAddView.as_view(), name="sales_note_add"),
    path("managers/", views.ManagerListView.as_view(), name="manager_list"),
    path("managers/add/", views.ManagerCreateView.as_view(), name="manager_add"),
    path("noc-users/", views.NocUserListView.as_view(), name="noc_user_list"),
    path("noc-users/add/", views.NocUserCreateView.as_view(), name="noc_user_add"),
    path("users/<int:pk>/", views.UserView.as_view(), name="user"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path(
        "settings/sales-managers/", views.SalesManagerListView.as_view(), name="sales_manager_list"
    ),
    path(
        "settings/sales-managers/add/",
        views.SalesManagerCreateView.as_view(),
        name="sales_manager_add",
    ),
    path(
        "settings/special-permissions/",
        views.SpecialPermissionListView.as_view(),
        name="special_permission_list",
    ),
    path(
        "settings/special-permissions/<int:pk>/",
        views.SpecialPermissionEditView.as_view(),
        name="special_permissions",
    ),
    path("settings/activity-log/", views.ActivityLogView.as_view(), name="activity_log"),
    path("settings/api-keys/", views.ApiKeyListView.as_view(), name="api_keys"),
    path(
        "settings/api-keys/<int:pk>/revoke/",
        views.ApiKeyRevokeView.as_view(),
        name="api_key_revoke",
    ),
    path("platform/tenants/", views.TenantListView.as_view(), name="platform_tenants"),
    path("platform/tenants/add/", views.TenantCreateView.as_view(), name="platform_tenant_add"),
    path("platform/tenants/<int:pk>/", views.TenantView.as_view(), name="platform_tenant"),
    path(
        "platform/tenants/<int:pk>/toggle/",
        views.TenantToggleView.as_view(),
        name="platform_tenant_toggle",
    ),
]
