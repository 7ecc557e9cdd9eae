"""The Fair Usage Policy (issue 4, item 8), with controlled time: every run gets an
explicit `now`, and the clock the services read (status_changed_at) is set to it."""

import datetime as dt
import io
import itertools
import zoneinfo
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from conftest import in_scope
from netbill.catalog.tests.helpers import make_billing_profile
from netbill.core import events
from netbill.core.testing.people import fresh_user
from netbill.customers import tasks
from netbill.customers.fup import GB, cycle_start, cycle_usage, enforce_fup, profile_cycle_start
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.radius.groups import expected_replies
from netbill.radius.models import RadiusAccounting, RadiusUserGroup

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db

DHAKA = zoneinfo.ZoneInfo("Asia/Dhaka")  # the ISPs' time zone (NETBILL_DEFAULT_TIME_ZONE)
_seq = itertools.count(1)


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=DHAKA)


@contextmanager
def clock(when):
    """The services' clock (timezone.now) reads `when`."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def run(tenant, when):
    with clock(when), in_scope(tenant):
        return enforce_fup(tenant=tenant, now=when)


def nothing():
    return {"fup": [], "reset": [], "skipped": []}


def use(customer, start, nbytes, *, last=None, stopped=True):
    """A session of `customer` from `start` to `last` (default: one hour) of `nbytes`
    bytes, download and upload split 3:1."""
    n = next(_seq)
    last = last or start + dt.timedelta(hours=1)
    with in_scope(customer.tenant_id):
        return RadiusAccounting.objects.create(
            tenant_id=customer.tenant_id,
            session_id=f"s{n}",
            unique_id=f"{customer.tenant_id}-{customer.username}-{n}",
            username=customer.username,
            nas_ip_address="127.0.0.1",
            start_time=start,
            update_time=last,
            stop_time=last if stopped else None,
            input_octets=nbytes // 4,
            output_octets=nbytes - nbytes // 4,
        )


def state(customer):
    """Status, reason, RADIUS group(s) and rate of the customer now."""
    with in_scope(customer.tenant_id):
        current = Customer.objects.select_related("tenant").get(pk=customer.pk)
        groups = list(
            RadiusUserGroup.objects.filter(
                tenant_id=customer.tenant_id, username=customer.username
            ).values_list("groupname", flat=True)
        )
        rate = expected_replies(current.tenant, current.username)["Mikrotik-Rate-Limit"]
    return SimpleNamespace(
        status=current.status,
        reason=current.status_reason,
        changed_at=current.status_changed_at,
        groups=groups,
        rate=rate,
    )


def history(customer):
    with in_scope(customer.tenant_id):
        return list(
            CustomerStatusChange.objects.filter(customer_id=customer.pk)
            .order_by("pk")
            .values_list("from_status", "to_status", "reason", "by")
        )


@pytest.fixture
def setup(isp):
    return customer_setup(isp)  # 100 GB, then 2M/2M; monthly, due day 1


@pytest.fixture
def published():
    seen = []

    def handler(event, **payload):
        seen.append(payload)

    events.subscribe("customer.status_changed", handler)
    yield seen
    events.unsubscribe("customer.status_changed", handler)


#
# The cycle
#


def monthly(due_day):
    return SimpleNamespace(billing_type="monthly", due_day=due_day)


@pytest.mark.parametrize(
    ("profile", "today", "start"),
    [
        (monthly(1), dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
        (monthly(1), dt.date(2026, 3, 31), dt.date(2026, 3, 1)),
        (monthly(15), dt.date(2026, 3, 14), dt.date(2026, 2, 15)),
        (monthly(15), dt.date(2026, 3, 15), dt.date(2026, 3, 15)),
        (monthly(15), dt.date(2026, 1, 10), dt.date(2025, 12, 15)),
        (monthly(28), dt.date(2026, 3, 27), dt.date(2026, 2, 28)),
        # Due day 0: the last day of the month.
        (monthly(0), dt.date(2026, 3, 30), dt.date(2026, 2, 28)),
        (monthly(0), dt.date(2026, 3, 31), dt.date(2026, 3, 31)),
        (monthly(0), dt.date(2028, 3, 1), dt.date(2028, 2, 29)),
        (monthly(0), dt.date(2026, 1, 5), dt.date(2025, 12, 31)),
        # Daily, free or no profile: calendar months.
        (
            SimpleNamespace(billing_type="daily", due_day=15),
            dt.date(2026, 3, 10),
            dt.date(2026, 3, 1),
        ),
        (
            SimpleNamespace(billing_type="free", due_day=1),
            dt.date(2026, 3, 31),
            dt.date(2026, 3, 1),
        ),
        (None, dt.date(2026, 3, 10), dt.date(2026, 3, 1)),
    ],
)
def test_the_cycle_starts_on_the_most_recent_due_day(profile, today, start):
    assert profile_cycle_start(profile, today) == start
    assert cycle_start(SimpleNamespace(billing_profile=profile), today) == start


#
# Usage
#


def test_usage_counts_the_cycles_sessions_and_its_share_of_a_spanning_one(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 2, 20, 10), 70 * GB)  # last cycle: not counted
    use(customer, local(2026, 3, 2, 10), 5 * GB)
    use(customer, local(2026, 3, 5, 10), 7 * GB, stopped=False)  # open, counts so far
    # 10 days from 25 February to 7 March, 6 of them in March: 6/10 of 200 GB.
    use(customer, local(2026, 2, 25), 200 * GB, last=local(2026, 3, 7))
    with in_scope(isp.tenant):
        assert cycle_usage(customer, dt.date(2026, 3, 1)) == pytest.approx(132 * GB, abs=10_000)
        # From 5 March: the open 7 GB session and 2/10 of the long one.
        assert cycle_usage(customer, local(2026, 3, 5)) == pytest.approx(47 * GB, abs=10_000)
        assert cycle_usage(customer, dt.date(2026, 4, 1)) == 0


#
# Enforcement
#


def test_past_the_limit_the_customer_gets_the_fup_group_and_rate(
    isp, setup, published, django_capture_on_commit_callbacks
):
    customer = make_customer(by=isp.ga, setup=setup)
    assert state(customer).rate == "10M/10M"
    use(customer, local(2026, 3, 2, 10), 60 * GB)
    use(customer, local(2026, 3, 8, 10), 41 * GB)
    when = local(2026, 3, 10, 12)
    with django_capture_on_commit_callbacks(execute=True):
        assert run(isp.tenant, when) == {**nothing(), "fup": [customer.username]}
    now = state(customer)
    assert (now.status, now.reason) == ("fup", "FUP: 101 of 100 GB")
    assert now.groups == [f"alpha/pkg-{setup.master.pk}-fup"]
    assert now.rate == "2M/2M"
    assert now.changed_at == when
    assert history(customer)[-1] == ("active", "fup", "FUP: 101 of 100 GB", None)
    assert published == [
        {
            "tenant_id": isp.tenant.pk,
            "customer_id": customer.pk,
            "username": customer.username,
            "from_status": "active",
            "to_status": "fup",
            "reason": "FUP: 101 of 100 GB",
        }
    ]


def test_under_the_limit_the_customer_stays_active(isp, setup, published):
    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 2, 27, 10), 80 * GB)  # the last cycle's usage
    use(customer, local(2026, 3, 2, 10), 100 * GB - 1)
    assert run(isp.tenant, local(2026, 3, 10, 12)) == nothing()
    now = state(customer)
    assert (now.status, now.groups, now.rate) == (
        "active",
        [f"alpha/pkg-{setup.master.pk}"],
        "10M/10M",
    )
    assert len(history(customer)) == 1 and published == []


def test_exactly_the_limit_is_past_it(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 3, 2, 10), 100 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12))["fup"] == [customer.username]


def test_a_customer_without_fup_in_the_package_is_untouched(isp, setup):
    plain = customer_setup(isp, fup=False, pool_subnet="10.61.0.0/24", label="Plain")
    customer = make_customer(by=isp.ga, setup=plain)
    use(customer, local(2026, 3, 2, 10), 5_000 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12)) == nothing()
    assert state(customer).status == "active"
    assert len(history(customer)) == 1


def test_suspended_and_disabled_customers_are_left_alone(isp, setup):
    from netbill.customers.services import customer_change_status

    suspended = make_customer(by=isp.ga, setup=setup)
    disabled = make_customer(by=isp.ga, setup=setup)
    for customer, status in ((suspended, "suspended"), (disabled, "disabled")):
        with clock(local(2026, 2, 1)), in_scope(isp.tenant):
            customer_change_status(customer=customer, status=status, by=None, system=True)
        use(customer, local(2026, 3, 2, 10), 500 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12)) == nothing()
    assert (state(suspended).status, state(disabled).status) == ("suspended", "disabled")


def test_the_next_cycle_resets_to_active_and_the_package_group(
    isp, setup, published, django_capture_on_commit_callbacks
):
    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 3, 2, 10), 150 * GB)
    april = local(2026, 4, 1, 0, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert run(isp.tenant, local(2026, 3, 10, 12))["fup"] == [customer.username]
        # Still March: stays in FUP.
        assert run(isp.tenant, local(2026, 3, 31, 23, 59)) == nothing()
        assert state(customer).status == "fup"
        assert run(isp.tenant, april) == {**nothing(), "reset": [customer.username]}
    now = state(customer)
    assert (now.status, now.reason, now.changed_at) == ("active", "FUP reset: new cycle", april)
    assert now.groups == [f"alpha/pkg-{setup.master.pk}"]
    assert now.rate == "10M/10M"
    assert history(customer)[-2:] == [
        ("active", "fup", "FUP: 150 of 100 GB", None),
        ("fup", "active", "FUP reset: new cycle", None),
    ]
    assert [e["to_status"] for e in published] == ["fup", "active"]


def test_a_customer_already_past_the_limit_in_the_new_cycle_stays_in_fup(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 3, 2, 10), 150 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12))["fup"] == [customer.username]
    use(customer, local(2026, 4, 1, 0, 1), 120 * GB)
    assert run(isp.tenant, local(2026, 4, 1, 12)) == nothing()
    assert state(customer).status == "fup"
    assert len(history(customer)) == 2  # created, fup: no flapping through active


def test_a_fup_customer_moved_to_a_package_without_fup_goes_back_to_active(isp, setup):
    from netbill.customers.services import customer_change_package

    customer = make_customer(by=isp.ga, setup=setup)
    use(customer, local(2026, 3, 2, 10), 150 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12))["fup"] == [customer.username]
    plain = customer_setup(isp, fup=False, pool_subnet="10.61.0.0/24", label="Plain")
    with clock(local(2026, 3, 11)), in_scope(isp.tenant):
        customer_change_package(customer=customer, package=plain.package, by=fresh_user(isp.ga))
    assert state(customer).status == "fup"  # RADIUS: the plain package's group already
    assert run(isp.tenant, local(2026, 3, 12)) == {**nothing(), "reset": [customer.username]}
    now = state(customer)
    assert (now.status, now.reason) == ("active", "FUP reset: the package has no FUP")
    assert now.groups == [f"alpha/pkg-{plain.master.pk}"]
    assert run(isp.tenant, local(2026, 3, 12)) == nothing()


def test_due_day_0_the_cycle_turns_on_the_last_day_of_the_month(isp, setup):
    last_day = make_billing_profile(by=isp.ga, name="Month end", operators=[isp.op_x], due_day=0)
    customer = make_customer(by=isp.ga, setup=setup, billing_profile=last_day)
    # The cycle runs from 28 February to 30 March: this is in it.
    use(customer, local(2026, 3, 30, 12), 150 * GB)
    assert run(isp.tenant, local(2026, 3, 30, 23, 59))["fup"] == [customer.username]
    # 31 March 00:00 Dhaka starts the next one.
    assert run(isp.tenant, local(2026, 3, 31, 0, 1))["reset"] == [customer.username]
    assert state(customer).status == "active"


def test_due_day_15_the_cycle_turns_on_the_15th(isp, setup):
    fifteenth = make_billing_profile(by=isp.ga, name="Mid month", operators=[isp.op_x], due_day=15)
    customer = make_customer(by=isp.ga, setup=setup, billing_profile=fifteenth)
    late = make_customer(by=isp.ga, setup=setup, billing_profile=fifteenth)
    use(customer, local(2026, 2, 16, 12), 60 * GB)
    use(customer, local(2026, 3, 14, 12), 60 * GB)
    use(late, local(2026, 2, 14, 12), 60 * GB)  # the cycle before
    use(late, local(2026, 3, 14, 12), 60 * GB)
    assert run(isp.tenant, local(2026, 3, 14, 23, 59))["fup"] == [customer.username]
    assert run(isp.tenant, local(2026, 3, 15, 0, 0, 1))["reset"] == [customer.username]
    assert (state(customer).status, state(late).status) == ("active", "active")


def test_running_twice_does_nothing_more(isp, setup, published, django_capture_on_commit_callbacks):
    over = make_customer(by=isp.ga, setup=setup)
    under = make_customer(by=isp.ga, setup=setup)
    use(over, local(2026, 3, 2, 10), 150 * GB)
    use(under, local(2026, 3, 2, 10), 50 * GB)
    when = local(2026, 3, 10, 12)
    with django_capture_on_commit_callbacks(execute=True):
        assert run(isp.tenant, when)["fup"] == [over.username]
        assert run(isp.tenant, when) == nothing()
        assert run(isp.tenant, when + dt.timedelta(hours=1)) == nothing()
    assert len(history(over)) == 2 and len(history(under)) == 1
    assert len(published) == 1


def test_another_isp_is_untouched_and_its_usage_never_counts(isp, other_isp, setup):
    ours = make_customer(by=isp.ga, setup=setup, username="rahim")
    theirs = make_customer(by=other_isp.ga, setup=customer_setup(other_isp), username="rahim")
    use(theirs, local(2026, 3, 2, 10), 500 * GB)  # Beta's rahim, same username
    assert run(isp.tenant, local(2026, 3, 10, 12)) == nothing()
    assert state(ours).status == "active"
    use(ours, local(2026, 3, 3, 10), 150 * GB)
    assert run(isp.tenant, local(2026, 3, 10, 12))["fup"] == ["rahim"]
    assert (state(ours).status, state(theirs).status) == ("fup", "active")
    assert len(history(theirs)) == 1


#
# Tasks and the schedule
#


def test_the_tenant_task_enforces_one_isp(isp, other_isp, setup):
    ours = make_customer(by=isp.ga, setup=setup)
    theirs = make_customer(by=other_isp.ga, setup=customer_setup(other_isp))
    today = dt.datetime.now(tz=DHAKA).replace(hour=0, minute=0, second=0, microsecond=0)
    use(ours, today, 150 * GB)
    use(theirs, today, 150 * GB)
    result = tasks.enforce_fup_task.delay(tenant_id=isp.tenant.pk).get()
    assert result == {**nothing(), "fup": [ours.username]}
    assert (state(ours).status, state(theirs).status) == ("fup", "active")


def test_the_fan_out_queues_every_active_isp(isp, other_isp, monkeypatch):
    other_isp.tenant.is_active = False
    other_isp.tenant.save(update_fields=["is_active"])
    queued = []
    monkeypatch.setattr(tasks.enforce_fup_task, "delay", lambda **kw: queued.append(kw))
    assert tasks.enforce_fup_all_task.delay().get() == 1
    assert queued == [{"tenant_id": isp.tenant.pk}]


def test_the_tenant_task_needs_a_tenant():
    result = tasks.enforce_fup_task.apply(kwargs={})
    assert result.failed() and isinstance(result.result, TypeError)


def test_ensure_schedule_runs_the_fup_job_every_fifteen_minutes():
    call_command("ensure_schedule", stdout=io.StringIO())
    call_command("ensure_schedule", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="customers.enforce_fup_all")
    assert entry.enabled is True
    assert (entry.interval.every, entry.interval.period) == (900, IntervalSchedule.SECONDS)


def test_the_scheduled_tasks_are_registered_under_their_names():
    from netbill.celery import app

    app.loader.import_default_modules()
    assert {"customers.enforce_fup_all", "customers.enforce_fup_task"} <= set(app.tasks)
