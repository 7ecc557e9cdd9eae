from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import BY_CODE, can, restrict

from .choices import OperatorKindChoices as Kind
from .models import Operator, User
from .roles import ROLE_DEFAULTS, grantable_codes


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self._suspended_isp():
                raise forms.ValidationError(
                    _("This ISP account is suspended. Contact the platform administrator."),
                    code="tenant_suspended",
                ) from None
            raise

    def _suspended_isp(self) -> bool:
        """Right password, but the user's ISP is suspended: say so instead of "wrong
        password" (only someone who knows the password learns it)."""
        from .backends import matching_users

        users = matching_users(self.cleaned_data.get("username") or "")
        password = self.cleaned_data.get("password") or ""
        return (
            len(users) == 1
            and users[0].tenant_id is not None
            and not users[0].tenant.is_active
            and users[0].check_password(password)
        )


class _LoginFieldsMixin(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        min_length=8,
        help_text=_("At least 8 characters, not only digits."),
    )


class OperatorCreateForm(_LoginFieldsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, help_text=_("e.g. 01711-000000"))
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    credit_limit = forms.DecimalField(
        label=_("Credit limit"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        initial=0,
    )
    field_order = ["name", "mobile", "email", "address", "credit_limit", "username", "password"]
    kind = Kind.OPERATOR

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is None or not can(user, "operators.credit_limit"):
            del self.fields["credit_limit"]


class SubOperatorCreateForm(OperatorCreateForm):
    parent = forms.ModelChoiceField(label=_("Works under"), queryset=Operator.objects.none())
    field_order = ["parent", *OperatorCreateForm.field_order]
    kind = Kind.SUB_OPERATOR

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["parent"].queryset = restrict(
            Operator.objects.exclude(kind=Kind.SUB_OPERATOR), user, "sub_operators.manage"
        )
        if user is not None and user.operator and not user.operator.is_root:
            self.fields["parent"].initial = user.operator


class OperatorEditForm(forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name", "mobile", "email", "address", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class CreditLimitForm(forms.Form):
    credit_limit = forms.DecimalField(
        label=_("Credit limit"), min_value=0, max_digits=14, decimal_places=2
    )


class SalesNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


def code_choices(codes) -> list[tuple[str, str]]:
    return [
        (c, f"{BY_CODE[c].section} · {BY_CODE[c].label}")
        for c in sorted(codes, key=lambda c: (str(BY_CODE[c].section), c))
    ]


class StaffUserCreateForm(_LoginFieldsMixin, forms.Form):
    """Managers and card distributors (for an operator), NOC users and sales managers."""

    name = forms.CharField(label=_("Name"), max_length=120)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)
    email = forms.EmailField(label=_("Email"), required=False)
    field_order = ["operator", "name", "mobile", "email", "username", "password", "codes"]

    def __init__(
        self,
        *args,
        user=None,
        role=None,
        with_operator=False,
        with_codes=False,
        manage_code=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.role = role
        if with_operator:
            self.fields["operator"] = forms.ModelChoiceField(
                label=_("Works for"),
                queryset=restrict(Operator.objects.all(), user, manage_code),
            )
        if with_codes:
            codes = grantable_codes(role) & user.permission_codes
            self.fields["codes"] = forms.MultipleChoiceField(
                label=_("Permissions"),
                choices=code_choices(codes),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.order_fields(self.field_order)


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "mobile", "email", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class PermissionsForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label=_("Permissions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, target=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = grantable_codes(target.role)
        if user is not None:
            # Offer only what the granter may hand out: its own codes, or the target role's
            # defaults (which it may leave on or switch off).
            allowed &= user.permission_codes | ROLE_DEFAULTS.get(target.role, frozenset())
        self.fields["codes"].choices = code_choices(allowed)
        self.fields["codes"].initial = sorted(target.permission_codes & allowed)
        # Codes the granter cannot see stay as they are when it saves.
        self.kept_codes = frozenset(target.permission_codes - allowed)

    def chosen_codes(self) -> set[str]:
        return set(self.cleaned_data["codes"]) | self.kept_codes


class TenantCreateForm(forms.Form):
    name = forms.CharField(label=_("ISP name"), max_length=120)
    slug = forms.SlugField(label=_("Short name"), max_length=40)
    admin_name = forms.CharField(label=_("Group Admin name"), max_length=120)
    admin_mobile = forms.CharField(label=_("Group Admin mobile"), max_length=20)
    admin_email = forms.EmailField(label=_("Group Admin email"), required=False)
    admin_username = forms.CharField(label=_("Group Admin username"), max_length=150)
    admin_password = forms.CharField(
        label=_("Group Admin password"), min_length=8, widget=forms.PasswordInput
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
