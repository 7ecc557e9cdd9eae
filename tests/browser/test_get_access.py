"""Browser journey: a Group Admin creates an operator, enters its panel with Get Access,
works there, and comes back. Every step is a click in Debian's Chromium.

The audit log must show the visit (access.started / access.ended) and record the work
done inside the operator's panel under both users: actor = the operator, impersonator =
the Group Admin.
"""

import re

import pytest

from conftest import PASSWORD, build_isp, in_scope


def _sidebar_link(page, label: str):
    return page.get_by_role("navigation").get_by_role("link", name=label, exact=True)


@pytest.mark.browser
def test_get_access_journey(transactional_db, live_server, page):
    from netbill.accounts.models import Operator, User
    from netbill.core.models import AuditLog

    # live_server answers from another thread: the data must be committed, hence
    # transactional_db and building the ISP here rather than with the `isp` fixture.
    isp = build_isp("Alpha Net", "alpha", "a")
    base = live_server.url

    # Log in through the form.
    page.goto(f"{base}/login/")
    page.fill("#id_username", isp.ga.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/dashboard/")
    assert isp.ga.name in page.locator("#current-user").inner_text()

    # Operators → Create Operator, from the sidebar.
    _sidebar_link(page, "Create Operator").click()
    page.wait_for_url(f"{base}/operators/add/")
    page.fill("#id_name", "Gulshan Cable")
    page.fill("#id_mobile", "01911-222333")
    page.fill("#id_email", "gulshan@example.com")
    page.fill("#id_address", "Gulshan-1, Dhaka")
    page.fill("#id_username", "gulshan")
    page.fill("#id_password", "Gulshan-pass-77")
    page.get_by_role("button", name="Save").click()

    # The new operator's page.
    page.wait_for_url(re.compile(r"/operators/\d+/$"))
    assert page.locator("h1").inner_text().startswith("Gulshan Cable")
    assert "Operator created." in page.content()
    with in_scope(isp.tenant):
        operator = Operator.objects.get(name="Gulshan Cable")
    operator_user = User.objects.get(username="gulshan")
    assert page.url == f"{base}/operators/{operator.pk}/"

    # Get Access: we are now the operator, and the top bar says how to come back.
    page.get_by_role("button", name="Get Access").click()
    page.wait_for_url(f"{base}/dashboard/")
    bar = page.locator("#impersonation-bar")
    assert bar.is_visible()
    assert bar.get_by_role("button", name="Back to Group Admin").is_visible()
    assert "Gulshan Cable" in page.locator("#current-user").inner_text()
    assert "Operator" in page.locator("#current-user").inner_text()

    # Work in the operator's panel: open a page and create a sub-operator.
    _sidebar_link(page, "Create Sub-Operator").click()
    page.wait_for_url(f"{base}/operators/add-sub-operator/")
    assert page.locator("#impersonation-bar").is_visible()
    # The operator's own node is the only (and preselected) parent it may choose.
    assert page.locator("#id_parent").input_value() == str(operator.pk)
    page.fill("#id_name", "Gulshan-2 Point")
    page.fill("#id_mobile", "01911-222444")
    page.fill("#id_username", "gulshan2")
    page.fill("#id_password", "Gulshan-pass-88")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/operators/\d+/$"))
    assert page.locator("h1").inner_text().startswith("Gulshan-2 Point")

    # Back to Group Admin: the bar is gone and we are the Group Admin again.
    page.locator("#impersonation-bar").get_by_role("button", name="Back to Group Admin").click()
    page.wait_for_url(f"{base}/operators/")
    assert page.locator("#impersonation-bar").count() == 0
    current = page.locator("#current-user").inner_text()
    assert isp.ga.name in current
    assert "Gulshan" not in current
    assert page.get_by_role("link", name="Gulshan-2 Point").is_visible()

    # The audit trail.
    with in_scope(isp.tenant):
        sub = Operator.objects.get(name="Gulshan-2 Point")
        log = AuditLog.objects.all()
        started = log.get(action="access.started")
        ended = log.get(action="access.ended")
        created = log.get(action="operator.created", object_id=str(sub.pk))
        sub_login = log.get(
            action="user.created", object_id=str(User.objects.get(username="gulshan2").pk)
        )
    assert sub.parent_id == operator.pk
    assert (started.actor_id, started.object_id) == (isp.ga.pk, str(operator_user.pk))
    assert (ended.actor_id, ended.object_id) == (isp.ga.pk, str(operator_user.pk))
    assert started.impersonator_id is None
    assert started.created_at <= created.created_at <= ended.created_at
    for entry in (created, sub_login):
        assert entry.actor_id == operator_user.pk
        assert entry.impersonator_id == isp.ga.pk
        assert entry.impersonator_repr == isp.ga.username
    # Work done before Get Access is the Group Admin's alone.
    with in_scope(isp.tenant):
        made = log.get(action="operator.created", object_id=str(operator.pk))
    assert (made.actor_id, made.impersonator_id) == (isp.ga.pk, None)
