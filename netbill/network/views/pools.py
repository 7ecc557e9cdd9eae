"""IP & PPPoE Management: IPv4 and IPv6 pools, PPPoE profiles and Upload PPP Profiles.

Every write goes through `network.services.pools`. An upload is read and checked, shown
as a preview with each row's problems, and kept in the uploader's session under a
random token (with the ISP's and user's ids), until Apply creates every row or none.
"""

import csv
import io
import secrets

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import (
    BaseView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    PanelTemplateView,
)

from ..choices import IPPoolFamilyChoices as Family
from ..filters.pools import IPPoolFilterSet, PPPoEProfileFilterSet
from ..forms.pools import (
    IPPoolForm,
    PPPoEProfileForm,
    PPPoEProfileUploadForm,
)
from ..models import IPPool, PPPoEProfile
from ..queries import pool_profiles, pool_usage
from ..ratelimit import RateLimitError, format_rate
from ..ratelimit import parse as parse_rate_limit
from ..services import pools as services
from ..tables.pools import IPPoolTable, PPPoEProfileTable

CODE = "ip_pools.manage"
IMPORT_SESSION_KEY = "network.pppoe_profile_upload"


def _pool_list_url(family: int) -> str:
    return reverse("network:ipv6_pool_list" if family == Family.IPV6 else "network:ipv4_pool_list")


#
# IP pools
#


class _PoolListView(ObjectListView):
    abstract = True
    permission_required = CODE
    model = IPPool
    filterset_class = IPPoolFilterSet
    table_class = IPPoolTable
    template_name = "network/ip_pool_list.html"
    family = Family.IPV4

    def get_base_queryset(self):
        return IPPool.objects.filter(family=self.family).order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["create_url"] = f"{reverse('network:ip_pool_add')}?family={self.family}"
        return context


class IPv4PoolListView(_PoolListView):
    """IP & PPPoE Management → IPv4 Pools."""

    title = _("IPv4 Pools")
    family = Family.IPV4


class IPv6PoolListView(_PoolListView):
    """IP & PPPoE Management → IPv6 Pools."""

    title = _("IPv6 Pools")
    family = Family.IPV6


class IPPoolView(ObjectView):
    permission_required = CODE
    model = IPPool
    template_name = "network/ip_pool.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pool = self.object
        context["usage"] = pool_usage(pool)
        context["profiles"] = pool_profiles(pool)
        context["list_url"] = _pool_list_url(pool.family)
        context["ranges"] = [r.strip() for r in pool.ranges.split(",") if r.strip()]
        return context


class IPPoolEditView(ObjectEditView):
    """Create (IPv4 or IPv6, from ?family=) or edit a pool."""

    permission_required = CODE
    model = IPPool
    form_class = IPPoolForm
    success_message = _("Pool saved.")

    def requested_family(self):
        value = self.request.GET.get("family") or self.request.POST.get("family")
        return Family.IPV6 if str(value) == str(Family.IPV6) else Family.IPV4

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["family"] = self.requested_family()
        return kwargs

    def save(self, form, instance):
        if instance is None:
            data = form.cleaned_data
            return services.ip_pool_create(
                by=self.request.user,
                family=data["family"],
                name=data["name"],
                subnet=data["subnet"],
                ranges=data["ranges"],
                kind=data["kind"],
                comment=data["comment"],
            )
        return services.ip_pool_update(pool=instance, by=self.request.user, data=form.changes())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            family = self.requested_family()
            context["title"] = (
                _("Create IPv6 pool") if family == Family.IPV6 else _("Create IPv4 pool")
            )
        return context


class IPPoolDeleteView(ObjectDeleteView):
    permission_required = CODE
    model = IPPool

    def delete(self, obj):
        services.ip_pool_delete(pool=obj, by=self.request.user)

    def list_url(self, obj):
        return _pool_list_url(obj.family)


#
# PPPoE profiles
#


class PPPoEProfileListView(ObjectListView):
    """IP & PPPoE Management → PPPoE Profiles."""

    permission_required = CODE
    model = PPPoEProfile
    filterset_class = PPPoEProfileFilterSet
    table_class = PPPoEProfileTable
    template_name = "network/pppoe_profile_list.html"
    title = _("PPPoE Profiles")
    create_url_name = "network:pppoe_profile_add"

    def get_base_queryset(self):
        return PPPoEProfile.objects.select_related("ipv4_pool", "ipv6_pool").order_by("name")


def _rate_limit_parts(text: str) -> list[tuple[str, str]]:
    """(label, value) rows explaining a stored rate limit on the profile page."""
    if not text:
        return []
    try:
        limit = parse_rate_limit(text)
    except RateLimitError:
        return []

    def pair(p, fmt=format_rate):
        return _("%(down)s down / %(up)s up") % {"down": fmt(p.tx), "up": fmt(p.rx)}

    rows = [(_("Rate"), pair(limit.rate))]
    if limit.burst_rate:
        rows.append((_("Burst rate"), pair(limit.burst_rate)))
    if limit.burst_threshold:
        rows.append((_("Burst threshold"), pair(limit.burst_threshold)))
    if limit.burst_time:
        rows.append((_("Burst time"), pair(limit.burst_time, lambda s: f"{s}s")))
    if limit.priority:
        rows.append((_("Priority"), str(limit.priority)))
    if limit.rate_min:
        rows.append((_("Minimum rate"), pair(limit.rate_min)))
    return rows


class PPPoEProfileView(ObjectView):
    permission_required = CODE
    model = PPPoEProfile
    template_name = "network/pppoe_profile.html"

    def get_base_queryset(self):
        return PPPoEProfile.objects.select_related("ipv4_pool", "ipv6_pool")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rate_parts"] = _rate_limit_parts(self.object.rate_limit)
        context["dns"] = [d for d in self.object.dns_servers.split(",") if d]
        return context


class PPPoEProfileEditView(ObjectEditView):
    permission_required = CODE
    model = PPPoEProfile
    form_class = PPPoEProfileForm
    success_message = _("PPPoE profile saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.pppoe_profile_create(by=self.request.user, **values)
        return services.pppoe_profile_update(profile=instance, by=self.request.user, data=values)


class PPPoEProfileDeleteView(ObjectDeleteView):
    permission_required = CODE
    model = PPPoEProfile

    def delete(self, obj):
        services.pppoe_profile_delete(profile=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("network:pppoe_profile_list")


#
# Upload PPP Profiles
#


def _stash(request, filename: str, rows: list[dict]) -> str:
    """Keep the parsed rows in the session (one upload at a time) under a fresh token."""
    token = secrets.token_urlsafe(16)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "tenant_id": request.user.tenant_id,
        "user_id": request.user.pk,
        "filename": filename,
        "rows": rows,
        "uploaded_at": timezone.now().isoformat(),
    }
    return token


def _stashed(request, token: str) -> dict | None:
    """The stashed upload for `token`, if it is this user's, in this ISP."""
    stash = request.session.get(IMPORT_SESSION_KEY) or {}
    if not token or not secrets.compare_digest(str(stash.get("token", "")), token):
        return None
    # Get Access keeps the session but changes the user: an upload stays with its maker.
    if stash.get("tenant_id") != request.user.tenant_id or stash.get("user_id") != request.user.pk:
        return None
    return stash


class PPPoEProfileUploadView(BaseView, FormView):
    """IP & PPPoE Management → PPPoE Profiles → Upload PPP Profiles: upload, then a
    preview of every row with its errors. Nothing is saved here."""

    permission_required = CODE
    template_name = "network/pppoe_profile_upload.html"
    form_class = PPPoEProfileUploadForm

    def form_valid(self, form):
        rows = form.rows
        checked = services.pppoe_profile_import_check(by=self.request.user, rows=rows)
        token = _stash(self.request, form.cleaned_data["file"].name, rows)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                preview=checked,
                token=token,
                filename=form.cleaned_data["file"].name,
                bad=sum(1 for r in checked if not r.ok),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Upload PPP Profiles")
        return context


class PPPoEProfileUploadApplyView(BaseView):
    """Apply a previewed upload: every profile, or none (checked again first)."""

    permission_required = CODE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        stash = _stashed(request, request.POST.get("token", ""))
        if stash is None:
            messages.error(
                request,
                _("This upload is not yours or has expired; upload the file again."),
            )
            return HttpResponseRedirect(reverse("network:pppoe_profile_upload"))
        try:
            created = services.pppoe_profile_import_apply(by=request.user, rows=stash["rows"])
        except BusinessRuleError as exc:
            checked = services.pppoe_profile_import_check(by=request.user, rows=stash["rows"])
            context = {
                "form": PPPoEProfileUploadForm(),
                "preview": checked,
                "token": stash["token"],
                "filename": stash["filename"],
                "bad": sum(1 for r in checked if not r.ok),
                "apply_errors": exc.messages,
                "title": _("Upload PPP Profiles"),
            }
            return TemplateResponse(request, "network/pppoe_profile_upload.html", context)
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.success(request, _("%(count)s PPPoE profiles created.") % {"count": len(created)})
        return HttpResponseRedirect(reverse("network:pppoe_profile_list"))


class PPPoEProfileUploadTemplateView(PanelTemplateView):
    """A CSV to fill in: the header row and one example naming one of the ISP's pools."""

    permission_required = CODE

    def get(self, request, *args, **kwargs):
        pool = (
            IPPool.objects.filter(family=Family.IPV4, is_protected=False).order_by("name").first()
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(services.IMPORT_COLUMNS)
        writer.writerow(
            [
                "10 Mbps",
                pool.name if pool else "pppoe-pool",
                "",
                "",
                "8.8.8.8,1.1.1.1",
                "10M/10M",
                "Example row: replace it",
            ]
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ppp-profiles-template.csv"'
        return response


urlpatterns = [
    path("ip-pools/ipv4/", IPv4PoolListView.as_view(), name="ipv4_pool_list"),
    path("ip-pools/ipv6/", IPv6PoolListView.as_view(), name="ipv6_pool_list"),
    path("ip-pools/add/", IPPoolEditView.as_view(), name="ip_pool_add"),
    path("ip-pools/<int:pk>/", IPPoolView.as_view(), name="ip_pool"),
    path("ip-pools/<int:pk>/edit/", IPPoolEditView.as_view(), name="ip_pool_edit"),
    path("ip-pools/<int:pk>/delete/", IPPoolDeleteView.as_view(), name="ip_pool_delete"),
    path("pppoe-profiles/", PPPoEProfileListView.as_view(), name="pppoe_profile_list"),
    path("pppoe-profiles/add/", PPPoEProfileEditView.as_view(), name="pppoe_profile_add"),
    path("pppoe-profiles/upload/", PPPoEProfileUploadView.as_view(), name="pppoe_profile_upload"),
    path(
        "pppoe-profiles/upload/apply/",
        PPPoEProfileUploadApplyView.as_view(),
        name="pppoe_profile_upload_apply",
    ),
    path(
        "pppoe-profiles/upload/template.csv",
        PPPoEProfileUploadTemplateView.as_view(),
        name="pppoe_profile_upload_template",
    ),
    path("pppoe-profiles/<int:pk>/", PPPoEProfileView.as_view(), name="pppoe_profile"),
    path(
        "pppoe-profiles/<int:pk>/edit/", PPPoEProfileEditView.as_view(), name="pppoe_profile_edit"
    ),
    path(
        "pppoe-profiles/<int:pk>/delete/",
        PPPoEProfileDeleteView.as_view(),
        name="pppoe_profile_delete",
    ),
]
