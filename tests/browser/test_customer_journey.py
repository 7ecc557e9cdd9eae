"""Browser journey: an operator registers a customer with Customers → Create Customer,
gets a clear field error for a taken username, saves, and suspends the customer from
the profile. Every step is a click in Debian's Chromium; RADIUS follows each save."""

import re

import pytest

from conftest import PASSWORD, build_isp, in_scope


@pytest.mark.browser
def test_register_and_suspend_a_customer(transactional_db, live_server, page):
    from netbill.customers.models import Customer
    from netbill.customers.tests.helpers import customer_setup, make_customer
    from netbill.radius.models import RadiusUserGroup

    isp = build_isp("Alpha Net", "alpha", "a")
    setup = customer_setup(isp)
    make_customer(by=isp.ga, setup=setup, username="rahim")
    base = live_server.url

    page.goto(f"{base}/login/")
    page.fill("#id_username", isp.user_x.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/dashboard/")

    page.get_by_role("navigation").get_by_role("link", name="Create Customer", exact=True).click()
    page.wait_for_url(re.compile(r"/customers/create/$"))
    page.fill("#id_name", "Karim Uddin")
    page.fill("#id_mobile", "01812-345678")
    page.fill("#id_address", "House 12, Road 5, Mirpur-10, Dhaka")
    page.select_option("#id_operator", str(isp.op_x.pk))
    page.select_option("#id_connection_type", "pppoe")
    page.fill("#id_username", "rahim")  # taken
    page.fill("#id_password", "karim-pw-1")
    page.select_option("#id_package", str(setup.package.pk))
    page.select_option("#id_billing_profile", str(setup.billing.pk))
    page.get_by_role("button", name="Save").click()

    # The same form again, with the error on the username and nothing saved.
    assert "The username “rahim” is already taken." in page.content()
    with in_scope(isp.tenant):
        assert not Customer.objects.filter(name="Karim Uddin").exists()

    page.fill("#id_username", "karim")
    page.fill("#id_password", "karim-pw-1")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("h1").inner_text().startswith("Karim Uddin")
    assert "Active" in page.locator("#customer-status").inner_text()
    with in_scope(isp.tenant):
        customer = Customer.objects.get(username="karim")
        assert customer.mobile == "+8801812345678"
        assert list(
            RadiusUserGroup.objects.filter(username="karim").values_list("groupname", flat=True)
        ) == [f"alpha/pkg-{setup.master.pk}"]

    # Suspend from the profile, with a reason.
    page.select_option("#status-form select", "suspended")
    page.fill("#status-form input[name=reason]", "Unpaid bill")
    page.locator("#status-form").get_by_role("button", name="Change").click()
    page.wait_for_url(f"{base}/customers/{customer.pk}/")
    assert "Suspended" in page.locator("#customer-status").inner_text()
    assert "Unpaid bill" in page.locator("#status-history").inner_text()
    with in_scope(isp.tenant):
        assert list(
            RadiusUserGroup.objects.filter(username="karim").values_list("groupname", flat=True)
        ) == ["alpha/suspended"]
