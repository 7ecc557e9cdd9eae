"""Shared machinery: tenant scoping, permissions, audit, events, money, encryption.

`GLOBAL_MODELS` is the reviewed allowlist of models that are not tenant-owned. A test
(`core/tests/test_scoping.py`) fails when a model is neither `TenantOwnedModel` nor here.
Each entry says why it may live outside a tenant.
"""

GLOBAL_MODELS: dict[str, str] = {
    # Django and third-party infrastructure.
    "contenttypes.contenttype": "Django's model registry.",
    "auth.permission": "Django's model permissions (unused; we have our own catalog).",
    "auth.group": "Django groups (unused; roles and special permissions replace them).",
    "sessions.session": "Sessions are resolved before the tenant is known.",
    "axes.accessattempt": "Login lockout works before the tenant is known.",
    "axes.accessfailurelog": "Login lockout works before the tenant is known.",
    "axes.accesslog": "Login lockout works before the tenant is known.",
    "axes.accessattemptexpiration": "Login lockout works before the tenant is known.",
    "django_celery_beat.periodictask": "The platform-wide beat schedule.",
    "django_celery_beat.periodictasks": "The platform-wide beat schedule.",
    "django_celery_beat.intervalschedule": "The platform-wide beat schedule.",
    "django_celery_beat.crontabschedule": "The platform-wide beat schedule.",
    "django_celery_beat.solarschedule": "The platform-wide beat schedule.",
    "django_celery_beat.clockedschedule": "The platform-wide beat schedule.",
    # Ours.
    "tenancy.tenant": "The tenant itself.",
    "accounts.user": "Identity is resolved at login, before a tenant is known; platform admins "
    "have no tenant. Tenant queries go through User.in_tenant (scoped) and restrict().",
    "accounts.apikey": "Resolved from the Authorization header before the tenant is known; "
    "reachable only through its user.",
    "core.workerheartbeat": "Platform health: when the Celery worker last ran a task.",
}
