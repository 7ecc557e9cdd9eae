"""Portal test helpers: a customer with bills and a known password, a gateway, a
RADIUS session, and logging in through the portal's own form."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from netbill.billing.tests.helpers import billed_customer
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.models import PaymentGateway
from netbill.radius.models import RadiusAccounting

PASSWORD = "Ppp-secret-42"


def portal_customer(isp, *, label="Portal", subnet="10.88.0.0/22", setup=None, **overrides):
    """A customer of operator X with two unpaid bills and the password PASSWORD.
    Returns (customer, setup)."""
    setup = setup or customer_setup(isp, pool_subnet=subnet, label=label)
    values = {"name": "Rahim Uddin", "password": PASSWORD, **overrides}
    customer, _run = billed_customer(isp, setup, **values)
    return customer, setup


def make_gateway(isp, provider="sandbox", *, active=True, **values):
    with scope(tenant=isp.tenant.pk):
        return PaymentGateway.objects.create(
            tenant=isp.tenant, provider=provider, is_active=active, **values
        )


_seq = iter(range(1, 10_000))


def open_session(isp, customer, ip, *, closed=False, started=None, **values):
    """A radacct row of `customer` with framed address `ip` (open unless `closed`)."""
    n = next(_seq)
    now = timezone.now()
    started = started or now - datetime.timedelta(hours=1)
    row = {
        "session_id": f"sess-{n}",
        "unique_id": f"{isp.tenant.slug}-uniq-{n}",
        "username": customer.username,
        "nas_ip_address": "127.0.0.1",
        "start_time": started,
        "update_time": now,
        "stop_time": now if closed else None,
        "framed_ip_address": ip,
        **values,
    }
    with scope(tenant=isp.tenant.pk):
        return RadiusAccounting.objects.create(tenant=isp.tenant, **row)


def portal_url(name, isp, **kwargs):
    return reverse(f"portal:{name}", kwargs={"isp": isp.tenant.slug, **kwargs})


def log_in(client, isp, customer, password=PASSWORD, **extra):
    return client.post(
        portal_url("login", isp), {"username": customer.username, "password": password}, **extra
    )
