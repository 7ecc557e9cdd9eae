from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import BaseView

from .forms import CompanyForm
from .models import Tenant
from .services import tenant_update_company


class CompanyView(BaseView, FormView):
    """Settings → Company Settings for the user's own tenant."""

    permission_required = "editCompany"
    template_name = "tenancy/company.html"
    form_class = CompanyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A fresh copy: a failed form must not leave half-applied values on request.user.
        kwargs["instance"] = Tenant.objects.get(pk=self.request.user.tenant_id)
        return kwargs

    def form_valid(self, form):
        try:
            tenant_update_company(tenant=form.instance, by=self.request.user, data=form.changes())
        except BusinessRuleError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Company settings saved."))
        return redirect("tenancy:company")
