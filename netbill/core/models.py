"""Core models: the tenant-owned base, the audit log and the worker heartbeat."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class TenantOwnedModel(models.Model):
    """Everything an ISP owns: a non-null tenant and a manager that refuses to run
    outside a tenant scope, so a forgotten filter is an exception, not a leak.

    `reach_field` names the path of the operator that owns a row (for example
    "operator__path"); rows without one are visible tenant-wide to whoever holds the
    permission. `core.permissions` uses it to confine users to their subtree.
    """

    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", db_index=True
    )

    objects = ScopedManager(tenant="tenant")
    reach_field: str | None = None

    class Meta:
        abstract = True


class AuditLog(TenantOwnedModel):
    """One service write: who did what to which object, with values before and after.

    When a Group Admin works in an operator's panel through Get Access, `actor` is the
    operator and `impersonator` the Group Admin, so the action is on both records.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_repr = models.CharField(max_length=150, blank=True)
    impersonator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    impersonator_repr = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the heartbeat task (one row per worker name)."""

    name = models.CharField(max_length=100, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class BackgroundJob(TenantOwnedModel):
    """Long work done by a Celery task for a user: an import, a bulk change, an export.

    The row says what was asked (kind, title, params, the uploaded file), how it went
    (status, timestamps, a message) and what came out (a JSON summary and an optional
    file to download). Live progress while it runs is kept in the cache (core.jobs),
    because the work usually sits inside one long transaction that no other connection
    can see into. Users see the jobs of their own subtree (`reach_path` is the creator's).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    params = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to="jobs/input/%Y/%m/", blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(upload_to="jobs/result/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reach_path = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    reach_field = "reach_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kind", "-created_at"], name="job_tenant_kind")]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
