"""Base views: every panel page is one of these (NetBox's pattern).

The permission check lives in `as_view()`, around the whole view, so a subclass that
overrides `dispatch`, `get` or `post` still cannot skip it. Every concrete subclass must
name its `permission_required` (checked when the class is defined). Object views fetch
through `restrict()`: an object outside the user's tenant or subtree answers 404.
"""

import functools
import mimetypes

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .exceptions import BusinessRuleError
from .forms import ConfirmDeleteForm
from .jobs import progress
from .models import BackgroundJob
from .permissions import BY_CODE, can, restrict


class BaseView(View):
    """A panel page that needs a logged-in user holding `permission_required`."""

    permission_required: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "as_view" in cls.__dict__:
            # as_view() is where the check lives; replacing it would drop the check.
            raise ImproperlyConfigured(f"{cls.__name__} must not override as_view().")
        if cls.__dict__.get("abstract"):
            return
        code = cls.permission_required
        if not code:
            raise ImproperlyConfigured(f"{cls.__name__} must set permission_required.")
        if code not in BY_CODE:
            raise ImproperlyConfigured(f"{cls.__name__}: unknown permission code {code!r}.")

    abstract = True

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)

        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, cls.permission_required):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.view_class = cls
        guarded.permission_required = cls.permission_required
        return guarded


class PanelTemplateView(BaseView, TemplateView):
    abstract = True


class RestrictedQuerysetMixin:
    """`get_queryset()` is the model's queryset restricted to the user's reach.

    Querysets are built per request (`get_base_queryset`), never at import time: a
    tenant-owned manager refuses to build one outside a scope.
    """

    model = None

    def get_base_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model.")
        return self.model._default_manager.all()

    def get_queryset(self):
        return restrict(self.get_base_queryset(), self.request.user, self.permission_required)


class ObjectListView(RestrictedQuerysetMixin, BaseView, SingleTableMixin, FilterView):
    """A filterable, paginated table of objects within reach."""

    abstract = True
    paginate_by = 50
    template_name = "core/object_list.html"
    title = ""
    create_url_name: str | None = None
    create_permission: str | None = None

    def get_template_names(self):
        # HTMX filter requests swap only the table (the filter form asks with hx-get).
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["core/_object_table.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title or self.model._meta.verbose_name_plural.title()
        if self.create_url_name and (
            self.create_permission is None or can(self.request.user, self.create_permission)
        ):
            context["create_url_name"] = self.create_url_name
        return context


class ObjectView(RestrictedQuerysetMixin, BaseView, DetailView):
    """One object within reach; anything else is 404."""

    abstract = True


class ObjectEditView(RestrictedQuerysetMixin, BaseView, FormView):
    """Create (no pk in the URL) or edit an object through one service call.

    Subclasses implement `save(form, instance)`, which calls the service and returns the
    object. A BusinessRuleError re-renders the form with the message; nothing is saved
    because the service runs in one transaction.
    """

    abstract = True
    template_name = "core/object_edit.html"
    success_message = _("Saved.")
    # Service field name → form field name, where they differ.
    service_field_map: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is not None:
            kwargs["instance"] = self.object
        return kwargs

    def form_valid(self, form):
        try:
            obj = self.save(form, self.object)
        except BusinessRuleError as exc:
            add_service_error(form, exc, self.service_field_map)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(obj))

    def save(self, form, instance):
        raise NotImplementedError

    def get_success_url(self, obj=None):
        return obj.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        model = self.model
        if self.object is None:
            context["title"] = _("Create %(model)s") % {"model": model._meta.verbose_name}
        else:
            context["title"] = _("Edit %(object)s") % {"object": self.object}
        return context


class ObjectDeleteView(ObjectEditView):
    """Delete one object: GET asks for confirmation, POST with `confirm` deletes it
    through the service (NetBox's pattern). A refusal is shown on the page."""

    abstract = True
    form_class = ConfirmDeleteForm
    template_name = "core/confirm_delete.html"

    def delete(self, obj) -> None:
        raise NotImplementedError

    def list_url(self, obj) -> str:
        raise NotImplementedError

    def save(self, form, instance):
        self.delete(instance)
        return instance

    def form_valid(self, form):
        self.success_message = _("“%(name)s” deleted.") % {"name": self.object}
        return super().form_valid(form)

    def get_success_url(self, obj=None):
        return self.list_url(obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Delete %(object)s?") % {"object": self.object}
        return context


class ObjectActionView(RestrictedQuerysetMixin, BaseView):
    """A POST-only verb on one object (activate, add balance…) calling one service."""

    abstract = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            message = self.perform(obj)
        except BusinessRuleError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(self.get_success_url(obj))

    def perform(self, obj) -> str | None:
        raise NotImplementedError

    def get_success_url(self, obj):
        return obj.get_absolute_url()


def add_service_error(form, exc: BusinessRuleError, field_map: dict | None = None) -> None:
    """Show a service's error on the form: on its field if the form has it, else on top."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.error_dict.items():
        name = field_map.get(field, field)
        messages_ = [m for e in errors for m in e.messages]
        form.add_error(name if name in form.fields else None, messages_)


def object_or_404(queryset, user, code, **lookup):
    """Fetch one object the user may `code`, or 404 (for views that are not ObjectViews)."""
    obj = restrict(queryset, user, code).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


class JobView(ObjectView):
    """A background job's page (core.jobs): its progress bar, polled by HTMX while it
    runs, then its message, result summary and file. Apps subclass it with their own
    permission and `kinds` (the job kinds the page shows); `result_labels` names the
    result keys."""

    abstract = True
    model = BackgroundJob
    template_name = "core/job.html"
    kinds: tuple[str, ...] = ()
    result_labels: dict[str, str] = {}
    file_url_name = ""
    back_url_name = ""
    back_label = ""

    def get_base_queryset(self):
        return BackgroundJob.objects.filter(kind__in=self.kinds).select_related("created_by")

    def get_template_names(self):
        if self.request.GET.get("partial"):
            return ["core/_job_progress.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        done, total = progress(job)
        percent = int(100 * done / total) if total else 0
        if job.status == job.Status.DONE:
            percent = 100
        context.update(
            done=done,
            total=total,
            percent=max(0, min(100, percent)),
            result_rows=[
                (self.result_labels.get(key, key.replace("_", " ").capitalize()), value)
                for key, value in (job.result or {}).items()
                if not isinstance(value, dict | list)
            ],
            file_url=reverse(self.file_url_name, args=[job.pk]) if job.result_file else "",
            result_file_name=job.result_file.name.rsplit("/", 1)[-1] if job.result_file else "",
            back_url=reverse(self.back_url_name) if self.back_url_name else "",
            back_label=self.back_label,
        )
        return context


class JobFileView(ObjectView):
    """Download a job's result file (same reach as its page)."""

    abstract = True
    model = BackgroundJob
    kinds: tuple[str, ...] = ()

    def get_base_queryset(self):
        return BackgroundJob.objects.filter(kind__in=self.kinds)

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.result_file:
            raise Http404
        name = job.result_file.name.rsplit("/", 1)[-1]
        # Read whole (a job's file is a report or an export of bounded size), so that
        # the response has `content` like every other page.
        with job.result_file.open("rb") as handle:
            data = handle.read()
        response = HttpResponse(data, content_type=mimetypes.guess_type(name)[0] or "")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
