"""Customers → Import from MikroTik, against the RouterOS simulator: reading secrets and
profiles, the preview (profile → package mapping, what is created or skipped and why),
the import job (customers with their RADIUS rows), an unreachable router, and the
separate step that disables only the confirmed secrets on the router."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from netbill.core.models import AuditLog, BackgroundJob
from netbill.core.testing.people import fresh_user, set_codes
from netbill.customers import mikrotik_import as mi
from netbill.customers.models import Customer
from netbill.network.tests.router_helpers import make_router
from netbill.radius.groups import package_group
from netbill.radius.models import RadiusCheck, RadiusPostAuth, RadiusUserGroup
from netbill.radius.services import group_name
from tools.routeros_sim.pytest_plugin import ROUTEROS_SIM_PASSWORD, ROUTEROS_SIM_USER

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


class FakeTask:
    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture(autouse=True)
def coa_task(monkeypatch):
    import netbill.radius.tasks

    fake = FakeTask()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", fake, raising=False)
    return fake


SECRETS = [
    # name, password, profile, comment, extra
    ("rahim", "12345", "Home profile", "Rahim Uddin 01711-000111", {}),
    (
        "karim",
        "k-pass",
        "Home profile",
        "Karim, +8801811000222",
        {"caller-id": "aa-bb-cc-dd-ee-01"},
    ),
    ("salma", "s-pass", "Home profile", "01911000333", {"remote-address": "10.60.0.50"}),
    ("nomobile", "n-pass", "Home profile", "Just a name", {}),
    ("office", "o-pass", "Office", "Office 01711000444", {}),
    ("oldie", "x-pass", "Home profile", "Old 01711000555", {"disabled": "yes"}),
    ("tunnel", "t-pass", "Home profile", "Site 01711000666", {"service": "l2tp"}),
]


@pytest.fixture
def router_sim(isp, routeros_sim):
    """The simulator holding two PPP profiles and the secrets above; a router of the
    ISP pointing at it; operator X's package "Home 10M" (PPPoE profile "Home profile")."""
    state = routeros_sim.state
    state.add("/ppp/profile", {"name": "Home profile", "rate-limit": "10M/10M"})
    state.add("/ppp/profile", {"name": "Office", "rate-limit": "50M/50M"})
    for name, password, profile, comment, extra in SECRETS:
        state.add(
            "/ppp/secret",
            {"name": name, "password": password, "profile": profile, "comment": comment, **extra},
        )
    isp.setup = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.router = make_router(
        by=isp.ga,
        name="Core router",
        api_port=routeros_sim.port,
        api_username=ROUTEROS_SIM_USER,
        api_password=ROUTEROS_SIM_PASSWORD,
    )
    isp.sim = routeros_sim
    return isp


def form_data(isp, **overrides):
    data = {
        "operator": isp.op_x.pk,
        "billing_profile": isp.setup.billing.pk,
        "zone": "",
        "default_mobile": "",
        mi.profile_key("Home profile"): isp.setup.package.pk,
        mi.profile_key("Office"): "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not False}


def preview(client, isp, user=None, **overrides):
    client.force_login(fresh_user(user or isp.ga))
    url = reverse("customers:mikrotik_preview", args=[isp.router.pk])
    return client.get(url, form_data(isp, **overrides))


def rows_of(response):
    return {row.secret.name: row for row in response.context["plan"].rows}


#
# Reading and planning
#


def test_read_router_keeps_every_value_a_string(router_sim):
    with scope(tenant=router_sim.tenant.pk):
        snapshot = mi.read_router(router_sim.router)
    assert snapshot.ok, snapshot.error
    assert {"Home profile", "Office"} <= {p.name for p in snapshot.profiles}
    secrets = {s.name: s for s in snapshot.secrets}
    assert secrets["rahim"].password == "12345"  # librouteros would have made it 12345
    assert secrets["oldie"].disabled is True
    assert secrets["rahim"].disabled is False
    assert secrets["salma"].remote_address == "10.60.0.50"
    assert secrets["tunnel"].service == "l2tp"
    assert secrets["rahim"].id.startswith("*")


@pytest.mark.parametrize(
    ("comment", "mobile", "name"),
    [
        ("Rahim Uddin 01711-000111", "+8801711000111", "Rahim Uddin"),
        ("Karim, +8801811000222", "+8801811000222", "Karim"),
        ("01911 000 333", "+8801911000333", "salma"),
        ("Just a name", "", "Just a name"),
        ("", "", "salma"),
        ("Acct 12345678901234", "", "Acct 12345678901234"),
    ],
)
def test_mobile_and_name_from_the_comment(comment, mobile, name):
    assert mi.mobile_and_name(comment, "salma") == (mobile, name)


def test_preview_prematches_profiles_by_name(client, router_sim):
    isp = router_sim
    client.force_login(fresh_user(isp.ga))
    response = client.get(reverse("customers:mikrotik_preview", args=[isp.router.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    # "Home profile" is the PPPoE profile of operator X's "Home 10M"; "Office" matches nothing.
    assert form.initial["operator"] == isp.op_x.pk
    assert form.initial[mi.profile_key("Home profile")] == isp.setup.package.pk
    assert mi.profile_key("Office") not in form.initial
    assert response.context["plan"] is None  # nothing planned before Preview


def test_preview_lists_what_is_created_and_skipped_with_reasons(client, router_sim):
    isp = router_sim
    response = preview(client, isp)
    assert response.status_code == 200
    rows = rows_of(response)
    created = {name for name, row in rows.items() if row.creates}
    assert created == {"rahim", "karim", "salma"}
    assert rows["rahim"].mobile == "+8801711000111"
    assert rows["rahim"].name == "Rahim Uddin"
    assert rows["karim"].mac_address == "AA:BB:CC:DD:EE:01"
    assert rows["salma"].static_ip == "10.60.0.50"
    assert rows["nomobile"].reason.startswith("no mobile number in the comment")
    assert rows["office"].reason.startswith("profile not mapped")
    assert rows["oldie"].reason.startswith("disabled on the router")
    assert rows["tunnel"].reason.startswith("service l2tp")
    plan = response.context["plan"]
    assert (plan.create_count, plan.skip_count) == (3, 4)
    body = response.content.decode()
    assert 'data-create="3"' in body and 'data-skip="4"' in body


def test_contact_mobile_and_include_disabled(client, router_sim):
    isp = router_sim
    response = preview(client, isp, default_mobile="01555000999", include_disabled="on")
    rows = rows_of(response)
    assert rows["nomobile"].creates and rows["nomobile"].mobile == "+8801555000999"
    assert rows["oldie"].creates
    response = preview(client, isp, default_mobile="12")
    assert response.context["form"].errors["default_mobile"]
    assert response.context["plan"] is None


def test_duplicates_and_invalid_data_are_skipped_with_the_reason(client, router_sim):
    isp = router_sim
    make_customer(by=isp.ga, setup=isp.setup, username="Karim", mobile="01555000101")
    # salma's remote-address already belongs to another customer.
    make_customer(
        by=isp.ga, setup=isp.setup, username="other", mobile="01555000102", static_ip="10.60.0.50"
    )
    rows = rows_of(preview(client, isp))
    assert rows["karim"].reason == "already a customer: the username “karim” is taken"
    assert rows["salma"].reason.startswith("invalid data: static ip: 10.60.0.50 is already given")
    assert rows["rahim"].creates


def test_remote_address_outside_the_pools_is_left_out_with_a_note(client, router_sim):
    isp = router_sim
    isp.sim.state.set("/ppp/secret", "rahim", {"remote-address": "192.0.2.7"})
    rows = rows_of(preview(client, isp))
    assert rows["rahim"].creates and rows["rahim"].static_ip == ""
    assert rows["rahim"].notes == ["remote-address 192.0.2.7 is outside your IPv4 pools: not kept"]


#
# The import job
#


def start_import(client, isp, django_capture_on_commit_callbacks, **overrides):
    client.force_login(fresh_user(isp.ga))
    url = reverse("customers:mikrotik_preview", args=[isp.router.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(isp, **overrides))
    assert response.status_code == 302, response.content[:3000]
    with scope(tenant=isp.tenant.pk):
        job = BackgroundJob.objects.get(kind=mi.IMPORT_KIND)
    assert response["Location"] == reverse("customers:job", args=[job.pk])
    return job


def test_import_creates_customers_with_their_radius_rows(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    make_customer(by=isp.ga, setup=isp.setup, username="karim", mobile="01555000101")
    job = start_import(client, isp, django_capture_on_commit_callbacks, include_disabled="on")
    assert job.status == "done", job.message
    assert job.result["created"] == 3
    assert sorted(job.result["created_usernames"]) == ["oldie", "rahim", "salma"]
    skipped = {r["username"]: r["reason"] for r in job.result["skipped_rows"]}
    assert skipped["karim"] == "already a customer: the username “karim” is taken"
    assert skipped["office"].startswith("profile not mapped")
    assert skipped["nomobile"].startswith("no mobile number")
    assert job.result_file
    with scope(tenant=isp.tenant.pk):
        rahim = Customer.objects.get(username="rahim")
        assert (rahim.name, rahim.mobile, rahim.operator_id) == (
            "Rahim Uddin",
            "+8801711000111",
            isp.op_x.pk,
        )
        assert rahim.package_id == isp.setup.package.pk
        assert rahim.connection_type == "pppoe"
        assert Customer.objects.get(username="salma").static_ip == "10.60.0.50"
        assert Customer.objects.get(username="oldie").status == "disabled"
        check = RadiusCheck.objects.get(username="rahim", attribute="Cleartext-Password")
        assert check.value == "12345"
        group = RadiusUserGroup.objects.get(username="rahim").groupname
        assert group == group_name(isp.tenant, package_group(isp.setup.master.pk))
    page = client.get(reverse("customers:job", args=[job.pk]))
    assert page.status_code == 200
    assert "3 customers imported from Core router" in page.content.decode()


def test_importing_twice_creates_no_duplicates(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    start_import(client, isp, django_capture_on_commit_callbacks)
    with scope(tenant=isp.tenant.pk):
        BackgroundJob.objects.update(kind="customers.mikrotik_import_done")
    job = start_import(client, isp, django_capture_on_commit_callbacks)
    assert job.status == "done" and job.result["created"] == 0
    with scope(tenant=isp.tenant.pk):
        assert Customer.objects.filter(username="rahim").count() == 1


def test_router_down_gives_a_clear_message(client, isp):
    router = make_router(by=isp.ga, name="Dead router")  # a closed local port
    client.force_login(fresh_user(isp.ga))
    for name in ("customers:mikrotik_preview", "customers:mikrotik_disable"):
        response = client.get(reverse(name, args=[router.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="router-error"' in body and "Connection refused" in body


def test_the_job_fails_with_a_clear_message_when_the_router_went_down(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    client.force_login(fresh_user(isp.ga))
    url = reverse("customers:mikrotik_preview", args=[isp.router.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(url, form_data(isp)).status_code == 302
    isp.sim.faults.reject_login = True
    for callback in callbacks:
        callback()
    with scope(tenant=isp.tenant.pk):
        job = BackgroundJob.objects.get(kind=mi.IMPORT_KIND)
        assert Customer.objects.count() == 0
    assert job.status == "failed"
    assert job.message.startswith("Could not read Core router: Wrong username or password")


#
# Disabling the imported secrets
#


def imported(isp, *names):
    """Customers for `names` with the router's passwords (as an import makes them)."""
    passwords = {name: password for name, password, *_rest in SECRETS}
    for n, name in enumerate(names):
        make_customer(
            by=isp.ga,
            setup=isp.setup,
            username=name,
            password=passwords[name],
            mobile=f"0155500{n:04d}",
        )


def accept(isp, username, when=None):
    with scope(tenant=isp.tenant.pk):
        RadiusPostAuth.objects.create(
            tenant=isp.tenant,
            username=username,
            reply="Access-Accept",
            auth_date=when or timezone.now() + datetime.timedelta(seconds=1),
        )


def disable_page(client, isp, user=None):
    client.force_login(fresh_user(user or isp.ga))
    return client.get(reverse("customers:mikrotik_disable", args=[isp.router.pk]))


def states(response):
    return {c.secret.name: c.state for c in response.context["plan"].candidates}


def test_disable_page_shows_which_secrets_are_confirmed(client, router_sim):
    isp = router_sim
    imported(isp, "rahim", "karim", "salma")
    accept(isp, "rahim")
    # An Access-Accept from before the customer existed proves nothing.
    accept(isp, "karim", when=timezone.now() - datetime.timedelta(days=1))
    with scope(tenant=isp.tenant.pk):
        RadiusCheck.objects.filter(username="salma", attribute="Cleartext-Password").update(
            value="changed"
        )
    found = states(disable_page(client, isp))
    assert found == {
        "rahim": "confirmed",
        "karim": "ready",
        "salma": "password_differs",
        "nomobile": "not_customer",
        "office": "not_customer",
        "oldie": "already_disabled",
        "tunnel": "not_customer",
    }


def post_disable(client, isp, data, django_capture_on_commit_callbacks):
    client.force_login(fresh_user(isp.ga))
    url = reverse("customers:mikrotik_disable", args=[isp.router.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data)


def secret_disabled(isp, name):
    return isp.sim.state.find("/ppp/secret", name)["disabled"] in ("true", "yes")


def test_disabling_touches_only_confirmed_secrets(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    imported(isp, "rahim", "karim")
    accept(isp, "rahim")
    rahim_id = isp.sim.state.find("/ppp/secret", "rahim")[".id"]
    isp.sim.command_log.clear()
    # karim is ticked too, but is not confirmed (and include_ready is not ticked).
    response = post_disable(
        client, isp, {"names": ["rahim", "karim", "nomobile"]}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    with scope(tenant=isp.tenant.pk):
        job = BackgroundJob.objects.get(kind=mi.DISABLE_KIND)
    assert job.status == "done", job.message
    assert job.params["names"] == ["rahim"]
    assert secret_disabled(isp, "rahim")
    assert not secret_disabled(isp, "karim")
    assert not secret_disabled(isp, "nomobile")
    assert isp.sim.commands("/ppp/secret/set") == [{".id": rahim_id, "disabled": "yes"}]
    assert job.result["disabled"] == 1
    assert job.result["secrets"] == [{"secret": "rahim", "outcome": "disabled", "detail": ""}]
    with scope(tenant=isp.tenant.pk):
        entry = AuditLog.objects.get(action="router.ppp_secrets_disabled")
    assert entry.object_id == str(isp.router.pk)
    assert entry.after == {"disabled": ["rahim"], "count": 1}
    with scope(tenant=isp.tenant.pk):
        trail = AuditLog.objects.filter(action="customer.router_secret_disabled")
        rahim = Customer.objects.get(username="rahim")
        assert [(e.object_id, e.after) for e in trail] == [
            (str(rahim.pk), {"router": "Core router", "secret": "rahim"})
        ]


def test_explicit_confirmation_needs_a_pilot_and_then_disables_ready_secrets(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    imported(isp, "rahim", "karim", "salma")
    # No secret of the router is confirmed: ticking the confirmation changes nothing.
    response = post_disable(
        client, isp, {"include_ready": "1", "all": "1"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "Tick at least one confirmed secret" in response.content.decode()
    assert isp.sim.commands("/ppp/secret/set") == []
    # rahim was the pilot: its login went through RADIUS.
    accept(isp, "rahim")
    response = post_disable(
        client, isp, {"include_ready": "1", "all": "1"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert {n for n in ("rahim", "karim", "salma") if secret_disabled(isp, n)} == {
        "rahim",
        "karim",
        "salma",
    }
    # Secrets of non-customers stay as they were.
    assert not secret_disabled(isp, "nomobile") and not secret_disabled(isp, "office")


def test_a_refused_set_is_reported_per_secret(
    client, router_sim, django_capture_on_commit_callbacks
):
    isp = router_sim
    imported(isp, "rahim", "karim")
    accept(isp, "rahim")
    accept(isp, "karim")
    isp.sim.faults.trap("/ppp/secret/set", "failure: simulated fault", times=1)
    post_disable(client, isp, {"all": "1"}, django_capture_on_commit_callbacks)
    with scope(tenant=isp.tenant.pk):
        job = BackgroundJob.objects.get(kind=mi.DISABLE_KIND)
    outcomes = {r["secret"]: (r["outcome"], r["detail"]) for r in job.result["secrets"]}
    assert sorted(o for o, _d in outcomes.values()) == ["disabled", "failed"]
    failed = next(n for n, (o, _d) in outcomes.items() if o == "failed")
    assert outcomes[failed][1] == "failure: simulated fault"
    assert not secret_disabled(isp, failed)


#
# Reach and permissions
#


def test_other_tenants_router_is_404(client, router_sim, other_isp):
    isp = router_sim
    client.force_login(fresh_user(other_isp.ga))
    for name in ("customers:mikrotik_preview", "customers:mikrotik_disable"):
        url = reverse(name, args=[isp.router.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, form_data(isp)).status_code == 404
    assert isp.sim.commands("/ppp/secret/print") == []
    with scope(tenant=isp.tenant.pk):
        assert not BackgroundJob.objects.exists()


def test_permissions(client, router_sim):
    isp = router_sim
    preview_url = reverse("customers:mikrotik_preview", args=[isp.router.pk])
    disable_url = reverse("customers:mikrotik_disable", args=[isp.router.pk])
    # Operator X creates customers but may not see routers (a router holds every
    # operator's secrets): neither.
    client.force_login(fresh_user(isp.user_x))
    assert client.get(reverse("customers:mikrotik_import")).status_code == 403
    assert client.get(preview_url).status_code == 403
    assert client.get(disable_url).status_code == 403
    # Granted routers.view, it may import but not disable (routers.manage).
    client.force_login(set_codes(isp.user_x, grant=["routers.view"]))
    assert client.get(preview_url).status_code == 200
    assert client.get(disable_url).status_code == 403
    # NOC manages routers but does not create customers: neither.
    client.force_login(fresh_user(isp.noc))
    assert client.get(preview_url).status_code == 403
    assert client.get(disable_url).status_code == 403
    assert client.post(disable_url, {"all": "1"}).status_code == 403
    # The Group Admin without customers.create: neither.
    client.force_login(set_codes(isp.ga, revoke=["customers.create"]))
    assert client.get(reverse("customers:mikrotik_import")).status_code == 403
    assert client.get(disable_url).status_code == 403
    assert isp.sim.commands("/ppp/secret/set") == []


def test_operator_sees_only_its_own_operators_and_packages(client, router_sim):
    isp = router_sim
    isp.user_x = set_codes(isp.user_x, grant=["routers.view"])
    response = preview(client, isp, user=isp.user_x)
    form = response.context["form"]
    assert set(form.fields["operator"].queryset) <= {isp.op_x, isp.sub_x1}
    # Operator Y is outside its reach: the form refuses it, nothing is planned.
    response = preview(client, isp, user=isp.user_x, operator=isp.op_y.pk)
    assert "operator" in response.context["form"].errors
    assert response.context["plan"] is None
