import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from netbill.core.audit import MONEY_FIELDS
from netbill.core.models import AuditLog
from netbill.core.tables import MoneyColumn

from .models import Operator, User


class OperatorTable(tables.Table):
    name = tables.Column(linkify=True)
    parent = tables.Column(verbose_name=_("Under"))
    balance = MoneyColumn(verbose_name=_("Balance"))
    credit_limit = MoneyColumn(verbose_name=_("Credit limit"))
    actions = tables.Column(verbose_name="", orderable=False, empty_values=(), accessor="pk")

    class Meta:
        model = Operator
        fields = [
            "name",
            "kind",
            "parent",
            "mobile",
            "email",
            "balance",
            "credit_limit",
            "is_active",
        ]
        attrs = {"class": "table table-sm table-hover align-middle"}

    def __init__(self, *args, show_money=False, request=None, access_users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_ = request
        # operator pk → the login user the viewer may enter with Get Access.
        self.access_users = access_users or {}
        if not show_money:
            self.exclude = ("balance", "credit_limit")

    def render_actions(self, record):
        open_link = format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
            record.get_absolute_url(),
            _("Open"),
        )
        login = self.access_users.get(record.pk)
        if login is None or self.request_ is None:
            return open_link
        return format_html(
            '{} <form method="post" action="{}" class="d-inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="user_pk" value="{}">'
            '<input type="hidden" name="next" value="/">'
            '<button class="btn btn-sm btn-warning" type="submit">{}</button></form>',
            open_link,
            reverse("hijack:acquire"),
            get_token(self.request_),
            login.pk,
            _("Get Access"),
        )


class UserTable(tables.Table):
    username = tables.Column(linkify=True)
    operator = tables.Column(verbose_name=_("Operator"))

    class Meta:
        model = User
        fields = ["username", "name", "role", "operator", "mobile", "is_active", "last_login"]
        attrs = {"class": "table table-sm table-hover align-middle"}


class AuditLogTable(tables.Table):
    """The activity log; amounts in the changes column are hidden unless `show_money`."""

    created_at = tables.DateTimeColumn(verbose_name=_("When"), format="Y-m-d H:i")
    actor_repr = tables.Column(verbose_name=_("User"))
    impersonator_repr = tables.Column(verbose_name=_("Via Get Access by"))
    changes = tables.TemplateColumn(
        template_name="accounts/_audit_changes.html", verbose_name=_("Changes"), orderable=False
    )

    class Meta:
        model = AuditLog
        fields = [
            "created_at",
            "actor_repr",
            "impersonator_repr",
            "action",
            "object_type",
            "object_repr",
            "changes",
        ]
        attrs = {"class": "table table-sm align-middle"}

    def __init__(self, *args, show_money=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_fields = frozenset() if show_money else MONEY_FIELDS
