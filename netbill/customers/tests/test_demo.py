"""The demo ISP's customer settings (seed_demo): zones, custom fields, mandatory fields."""

import io

import pytest
from django.core.management import call_command

from conftest import in_scope
from netbill.customers.models import CustomField, MandatoryAttributes
from netbill.demo.management.commands import seed_demo
from netbill.tenancy.models import Tenant, Zone

pytestmark = pytest.mark.django_db


def test_the_demo_has_customer_settings():
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        assert list(Zone.objects.values_list("name", flat=True)) == [
            "Mirpur-10",
            "Mirpur-2",
            "Uttara Sector 10",
            "Uttara Sector 7",
        ]
        fields = [
            (f.name, f.key, f.field_type, f.choices, f.mandatory) for f in CustomField.objects.all()
        ]
        assert fields == [
            ("Building / flat", "building_flat", "text", [], True),
            ("ONU serial", "onu_serial", "text", [], False),
            ("Preferred bill day", "preferred_bill_day", "dropdown", ["1", "10", "20"], False),
        ]
        assert MandatoryAttributes.objects.get().required == ["address", "zone"]


def test_the_demo_has_customers_with_radius_rows_and_a_second_run_adds_nothing():
    from netbill.customers.models import Customer
    from netbill.radius.groups import expected_replies
    from netbill.radius.models import CoAAttempt, RadiusAccounting, RadiusCheck, RadiusUserGroup

    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        # 40 made one by one, and 10 by the demo's Excel import.
        customers = Customer.objects.select_related("operator", "package__master_package")
        assert customers.count() == 50
        assert {c.operator.name for c in customers} == {
            "Mirpur Link",
            "Mirpur-10 Point",
            "Uttara Net",
        }
        assert len({c.zone_id for c in customers}) == 4
        assert all(c.mobile.startswith("+8801") for c in customers)
        by_status = {}
        for customer in customers:
            by_status.setdefault(customer.status, []).append(customer.username)
        assert sorted(by_status["suspended"]) == sorted(seed_demo.DEMO_SUSPENDED)
        assert by_status["disabled"] == ["rehana"]
        assert by_status["fup"] == ["anis"]
        assert {c.status_reason for c in customers if c.status == "suspended"} == {
            "Unpaid bill",
            "Auto-suspended: unpaid bill past the grace period",
        }
        statics = customers.filter(connection_type="static_ip")
        assert sorted(statics.values_list("static_ip", flat=True)) == [
            "10.30.1.251",
            "10.30.1.252",
            "10.30.1.253",
        ]
        # Every customer logs in through RADIUS, into the group its status chooses.
        logins = set(
            RadiusCheck.objects.filter(attribute="Cleartext-Password").values_list(
                "username", flat=True
            )
        )
        assert logins == set(customers.values_list("username", flat=True))
        assert RadiusUserGroup.objects.filter(groupname=f"{tenant.slug}/suspended").count() == 5
        anis = customers.get(username="anis")
        assert expected_replies(tenant, "anis")["Mikrotik-Rate-Limit"] == (
            anis.package.master_package.fup_rate_limit
        )
        assert expected_replies(tenant, "uttara-pharma")["Framed-IP-Address"] == "10.30.1.251"
        # Sessions at the demo router: the online ones are open, with real traffic.
        sessions = RadiusAccounting.objects.all()
        open_sessions = sessions.filter(stop_time__isnull=True)
        assert set(open_sessions.values_list("username", flat=True)) == set(seed_demo.DEMO_ONLINE)
        assert set(sessions.values_list("nas_ip_address", flat=True)) == {"127.0.0.1"}
        assert all(s.output_octets > s.input_octets > 0 for s in sessions)
        assert sessions.filter(stop_time__isnull=False).count() >= 40
        assert CoAAttempt.objects.count() == 4
        counts = (customers.count(), sessions.count(), CoAAttempt.objects.count())

    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    with in_scope(tenant):
        assert (
            Customer.objects.count(),
            RadiusAccounting.objects.count(),
            CoAAttempt.objects.count(),
        ) == counts


def test_the_demo_has_a_finished_excel_import_with_its_rejected_rows():
    import openpyxl

    from netbill.core.models import BackgroundJob
    from netbill.customers.models import Customer

    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        job = BackgroundJob.objects.get(kind="customers.import")
        assert job.status == "done", job.message
        assert (job.result["created"], job.result["rejected"]) == (10, 2)
        assert Customer.objects.filter(username__startswith="utt-1").count() == 10
        sheet = openpyxl.load_workbook(job.result_file.open("rb")).active
        reasons = {row[3]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(reasons) == {"utt-bad-mobile", "imran"}
    assert "mobile" in reasons["utt-bad-mobile"].lower()
    assert "already taken" in reasons["imran"]
