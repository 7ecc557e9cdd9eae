"""Customers → Import from MikroTik: choose a router, preview (router profiles mapped to
packages; what will be created or skipped and why), import as a background job (the
job page shows the outcome), and the separate step that disables the imported secrets
on the router once RADIUS is confirmed for them (customers.mikrotik_import).

A router is read inside the request within the adapter's timeouts (READ_BUDGET at
most; a closed port fails at once): an unreachable router gives its error on the page.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netbill.core.exceptions import BusinessRuleError
from netbill.core.jobs import job_create
from netbill.core.permissions import can, restrict
from netbill.core.phone import normalize_mobile
from netbill.core.views import ObjectView, PanelTemplateView
from netbill.network.models import Router

from .. import mikrotik_import as mi

CREATE = "customers.create"
ROUTERS = "routers.manage"
ROUTERS_VIEW = "routers.view"


class _RouterReaderMixin:
    """Reading a router shows every secret on it (names, comments with mobiles), of
    every operator's customers: besides customers.create (checked by as_view()), the
    user must be allowed to see routers."""

    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, ROUTERS_VIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


PER_PAGE = 50
OPTION_FIELDS = ("operator", "billing_profile", "zone", "default_mobile", "include_disabled")


class MikrotikImportForm(forms.Form):
    """The import's choices; one package select per router profile (`map_<key>`)."""

    operator = forms.ModelChoiceField(label=gettext_lazy("Operator"), queryset=None)
    billing_profile = forms.ModelChoiceField(label=gettext_lazy("Billing profile"), queryset=None)
    zone = forms.ModelChoiceField(label=gettext_lazy("Zone"), queryset=None, required=False)
    include_disabled = forms.BooleanField(
        label=gettext_lazy("Include disabled secrets (imported as disabled customers)"),
        required=False,
    )
    default_mobile = forms.CharField(
        label=gettext_lazy("Contact mobile"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "Used for secrets whose comment holds no mobile number; without it they are "
            "skipped. Correct it on each customer later."
        ),
    )

    def __init__(self, *args, user, profiles: list[str], counts, **kwargs):
        from netbill.accounts.models import Operator
        from netbill.catalog.models import BillingProfile, OperatorPackage
        from netbill.tenancy.models import Zone

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["operator"].queryset = restrict(Operator.objects.all(), user, CREATE).order_by(
            "path"
        )
        self.fields["billing_profile"].queryset = restrict(
            BillingProfile.objects.all(), user, CREATE
        ).order_by("name")
        self.fields["operator"].widget.attrs.update(
            {
                "hx-trigger": "change",
                "hx-select": "#mikrotik-page",
                "hx-target": "#mikrotik-page",
                "hx-swap": "outerHTML",
                "hx-push-url": "true",
            }
        )
        self.fields["zone"].queryset = restrict(Zone.objects.all(), user, CREATE).order_by("name")
        operator_id = (self.data.get("operator") if self.is_bound else None) or self.initial.get(
            "operator"
        )
        packages = restrict(
            OperatorPackage.objects.select_related("master_package__pppoe_profile", "operator"),
            user,
            CREATE,
        ).order_by("master_package__name")
        if str(operator_id).isdigit():
            packages = packages.filter(operator_id=operator_id)
        else:
            packages = packages.none()
        self.packages = list(packages)
        self.profile_fields = []
        for name in profiles:
            key = mi.profile_key(name)
            self.fields[key] = forms.ModelChoiceField(
                label=name,
                queryset=packages,
                required=False,
                empty_label=_("— not imported —"),
            )
            self.fields[key].label_from_instance = lambda p: p.master_package.name
            self.profile_fields.append((name, counts.get(name, 0), key))

    def clean_default_mobile(self):
        value = self.cleaned_data["default_mobile"].strip()
        if not value:
            return ""
        try:
            return normalize_mobile(value)
        except Exception as exc:  # ValidationError with the rule's message
            raise forms.ValidationError(exc.messages) from exc

    def profile_map(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[key].pk
            for name, _count, key in self.profile_fields
            if self.cleaned_data.get(key) is not None
        }

    def option_fields(self):
        return [self[name] for name in OPTION_FIELDS]

    def bound_profile_fields(self):
        return [(name, count, self[key]) for name, count, key in self.profile_fields]


def _routers(user):
    return restrict(Router.objects.all(), user, CREATE).order_by("name")


class MikrotikImportView(_RouterReaderMixin, PanelTemplateView):
    """Customers → Import from MikroTik: the ISP's routers to import from."""

    permission_required = CREATE
    template_name = "customers/mikrotik_routers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["routers"] = _routers(self.request.user)
        context["may_disable"] = mi.may_disable(self.request.user)
        context["title"] = _("Import from MikroTik")
        return context


class MikrotikPreviewView(_RouterReaderMixin, ObjectView):
    """Read the router, map its profiles to packages, show what would be created or
    skipped; POST starts the import job (which reads the router again)."""

    permission_required = CREATE
    model = Router
    template_name = "customers/mikrotik_preview.html"
    http_method_names = ["get", "post"]

    def _initial(self):
        """The operator whose packages the profiles are matched against: ?operator=
        (the operator select reloads the page with it), else the user's own operator
        if it sells packages, else the first operator within reach that does."""
        from netbill.accounts.models import Operator
        from netbill.catalog.models import OperatorPackage

        user = self.request.user
        operators = restrict(Operator.objects.all(), user, CREATE)
        chosen = self.request.GET.get("operator", "")
        if chosen.isdigit() and operators.filter(pk=chosen).exists():
            return {"operator": int(chosen)}
        selling = restrict(OperatorPackage.objects.all(), user, CREATE)
        if user.operator_id and selling.filter(operator_id=user.operator_id).exists():
            return {"operator": user.operator_id}
        first = selling.order_by("operator__path").values_list("operator_id", flat=True).first()
        return {"operator": first} if first else {}

    def build(self, data=None):
        router = self.object
        snapshot = mi.read_router(router)
        profiles = snapshot.profile_names() if snapshot.ok else []
        counts = snapshot.secret_counts() if snapshot.ok else {}
        user = self.request.user
        initial = self._initial() if data is None else {}
        form = MikrotikImportForm(
            data, user=user, profiles=profiles, counts=counts, initial=initial
        )
        form.fields["operator"].widget.attrs["hx-get"] = self.request.path
        if data is None:
            # First visit: pre-match profiles by name against the operator's packages.
            for name, pk in mi.match_packages(profiles, form.packages).items():
                form.initial[mi.profile_key(name)] = pk
        return snapshot, form

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        # The whole form submitted (Preview); ?operator= alone only picks the operator.
        bound = "billing_profile" in request.GET
        snapshot, form = self.build(request.GET if bound else None)
        plan = None
        if snapshot.ok and bound and form.is_valid():
            plan = self.plan(snapshot, form)
        return self.page(snapshot, form, plan)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        snapshot, form = self.build(request.POST)
        if not snapshot.ok or not form.is_valid():
            return self.page(snapshot, form, None, status=200)
        router = self.object
        params = {
            "router_id": router.pk,
            "operator_id": form.cleaned_data["operator"].pk,
            "billing_profile_id": form.cleaned_data["billing_profile"].pk,
            "zone_id": form.cleaned_data["zone"].pk if form.cleaned_data["zone"] else None,
            "profile_map": form.profile_map(),
            "include_disabled": form.cleaned_data["include_disabled"],
            "default_mobile": form.cleaned_data["default_mobile"],
            "actor": mi.actor_params(),
        }
        with transaction.atomic():
            job = job_create(
                by=request.user,
                kind=mi.IMPORT_KIND,
                title=_("Import from MikroTik: %(router)s") % {"router": router.name},
                params=params,
            )
            transaction.on_commit(
                lambda: mi.mikrotik_import_task.delay(tenant_id=job.tenant_id, job_id=job.pk)
            )
        return HttpResponseRedirect(reverse("customers:job", args=[job.pk]))

    def plan(self, snapshot, form):
        try:
            return mi.plan_import(
                by=self.request.user,
                router=self.object,
                snapshot=snapshot,
                profile_map=form.profile_map(),
                operator=form.cleaned_data["operator"],
                billing_profile=form.cleaned_data["billing_profile"],
                zone=form.cleaned_data["zone"],
                include_disabled=form.cleaned_data["include_disabled"],
                default_mobile=form.cleaned_data["default_mobile"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, exc.messages)
            return None

    def page(self, snapshot, form, plan, status=200):
        request = self.request
        context = {
            "object": self.object,
            "router": self.object,
            "snapshot": snapshot,
            "form": form,
            "plan": plan,
            "title": _("Import from %(router)s") % {"router": self.object.name},
            "may_disable": mi.may_disable(request.user),
        }
        if plan is not None:
            page = Paginator(plan.rows, PER_PAGE).get_page(request.GET.get("page"))
            query = request.GET.copy()
            query.pop("page", None)
            context.update(
                page=page,
                querystring=query.urlencode(),
                import_fields=[(k, v) for k in query for v in query.getlist(k)],
            )
        return render(request, self.template_name, context, status=status)


class MikrotikDisableView(ObjectView):
    """The separate step: disable on the router the secrets whose customers exist and
    whose RADIUS login is confirmed (see mikrotik_import). GET shows every secret with
    its state; POST starts the job for the ticked ones."""

    permission_required = CREATE
    model = Router
    template_name = "customers/mikrotik_disable.html"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        # Both codes: it changes the router (routers.manage) for customers
        # (customers.create); as_view() has checked the first.
        if not can(request.user, ROUTERS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def build(self):
        snapshot = mi.read_router(self.object)
        plan = mi.disable_plan(by=self.request.user, snapshot=snapshot) if snapshot.ok else None
        return snapshot, plan

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        snapshot, plan = self.build()
        return self.page(snapshot, plan)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        snapshot, plan = self.build()
        if plan is None:
            return self.page(snapshot, plan)
        include_ready = bool(request.POST.get("include_ready")) and plan.pilot_seen
        eligible = {c.secret.name for c in plan.eligible(include_ready=include_ready)}
        if request.POST.get("all"):
            names = sorted(eligible)
        else:
            names = [n for n in request.POST.getlist("names") if n in eligible]
        if not names:
            return self.page(
                snapshot,
                plan,
                error=_("Tick at least one confirmed secret to disable."),
            )
        router = self.object
        with transaction.atomic():
            job = job_create(
                by=request.user,
                kind=mi.DISABLE_KIND,
                title=_("Disable imported secrets on %(router)s") % {"router": router.name},
                params={
                    "router_id": router.pk,
                    "names": names,
                    "include_ready": include_ready,
                    "actor": mi.actor_params(),
                },
            )
            transaction.on_commit(
                lambda: mi.mikrotik_disable_task.delay(tenant_id=job.tenant_id, job_id=job.pk)
            )
        return HttpResponseRedirect(reverse("customers:job", args=[job.pk]))

    def page(self, snapshot, plan, error=""):
        request = self.request
        context = {
            "object": self.object,
            "router": self.object,
            "snapshot": snapshot,
            "plan": plan,
            "error": error,
            "title": _("Disable imported secrets on %(router)s") % {"router": self.object.name},
        }
        if plan is not None:
            shown = [c for c in plan.candidates if c.state != "not_customer"]
            page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
            context.update(page=page, counts=plan.counts(), include_ready=False)
        return render(request, self.template_name, context)


urlpatterns = [
    path("customers/import/mikrotik/", MikrotikImportView.as_view(), name="mikrotik_import"),
    path(
        "customers/import/mikrotik/<int:pk>/",
        MikrotikPreviewView.as_view(),
        name="mikrotik_preview",
    ),
    path(
        "customers/import/mikrotik/<int:pk>/disable-secrets/",
        MikrotikDisableView.as_view(),
        name="mikrotik_disable",
    ),
]
