"""/api/v1/payment-links/: create a link (with its absolute URL), refusals (nothing due,
bad values, another operator's or ISP's customer), and tenant isolation with API keys."""

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import api_token_for, fresh_user, set_codes
from netbill.core.testing.state import capture_events, nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.gateway_services import customer_due
from netbill.payments.links import link_path, payment_link_create
from netbill.payments.models import PaymentLink
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db

LIST = "api:payment-link-list"


def _customer(isp, operator=None, subnet="10.95.0.0/22", label="API links", **values):
    setup = customer_setup(isp, operator=operator, pool_subnet=subnet, label=label)
    return billed_customer(isp, setup, **values)[0]


def _auth(user):
    return {"Authorization": f"Api-Key {api_token_for(user)}"}


def _post(client, data, headers=None):
    return client.post(reverse(LIST), data, content_type="application/json", headers=headers)


def _links(*tenants):
    rows = set()
    for tenant in tenants:
        with in_scope(tenant):
            rows |= set(PaymentLink.objects.values_list("pk", "opened_at", "paid_at"))
    return rows


def test_create_answers_the_link_with_its_absolute_url(client, isp):
    rahim = _customer(isp, name="Rahim Uddin", username="rahim")
    with in_scope(isp.tenant):
        due = customer_due(rahim)
    with capture_events(["payment_link.created"]) as seen:
        response = _post(
            client,
            {"customer": rahim.pk, "channel": "sms", "valid_days": 2},
            _auth(isp.user_x),
        )
    assert response.status_code == 201, response.content
    data = response.json()
    with in_scope(isp.tenant):
        link = PaymentLink.objects.get(pk=data["id"])
        path = link_path(link)
    assert data == {
        "id": link.pk,
        "customer": rahim.pk,
        "username": "rahim",
        "amount": f"{due:.2f}",
        "channel": "sms",
        "expires_at": data["expires_at"],
        "created_at": data["created_at"],
        "url": f"http://testserver{path}",
        "status": "sent",
        "opened": False,
        "opened_at": None,
        "paid": False,
        "paid_at": None,
    }
    assert (link.created_by, link.channel, link.amount) == (isp.user_x, "sms", due)
    assert [name for name, _payload in seen] == ["payment_link.created"]
    # The customer opens it: the API says so.
    client.get(path)
    again = client.get(reverse("api:payment-link-detail", args=[link.pk]), headers=_auth(isp.ga))
    assert (again.json()["status"], again.json()["opened"]) == ("opened", True)


def test_defaults(client, isp):
    rahim = _customer(isp)
    response = _post(client, {"customer": rahim.pk}, _auth(isp.ga))
    assert response.status_code == 201
    assert response.json()["channel"] == "copy"
    with in_scope(isp.tenant):
        link = PaymentLink.objects.get()
    assert 6 <= (link.expires_at - link.created_at).days <= 7


def test_nothing_due_is_refused(client, isp):
    rahim = _customer(isp, username="rahim")
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=rahim, by=fresh_user(isp.ga), amount=customer_due(rahim))
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="nothing due"):
        response = _post(client, {"customer": rahim.pk})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["rahim owes nothing now: there is nothing to send a link for."]
    }


@pytest.mark.parametrize(
    "values",
    [
        {"channel": "pigeon"},
        {"valid_days": 0},
        {"valid_days": 91},
        {"customer": "x"},
        {"customer": None},
    ],
)
def test_bad_values_are_refused(client, isp, values):
    rahim = _customer(isp)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what=str(values)):
        response = _post(client, {"customer": rahim.pk, **values})
    assert response.status_code == 400
    assert set(response.json()) == set(values)


def test_operator_y_and_the_other_isp_reach_nothing(client, isp, other_isp):
    rahim = _customer(isp)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        link = payment_link_create(customer=rahim, by=fresh_user(isp.ga))
    before = _links(isp.tenant, other_isp.tenant)
    for user in (isp.user_y, other_isp.ga):
        headers = _auth(user)  # with an API key (its last_used_at moves)
        with TestCase.captureOnCommitCallbacks(execute=False) as queued:
            created = _post(client, {"customer": rahim.pk}, headers)
            listed = client.get(reverse(LIST), headers=headers)
            one = client.get(reverse("api:payment-link-detail", args=[link.pk]), headers=headers)
        assert queued == []
        assert _links(isp.tenant, other_isp.tenant) == before
        assert created.status_code == 400
        assert created.json() == {"customer": ["No such customer."]}
        assert listed.status_code == 200 and listed.json()["results"] == []
        assert one.status_code == 404


def test_without_the_permission(client, isp):
    rahim = _customer(isp)
    client.force_login(set_codes(isp.user_x, revoke=["payment_links.send"]))
    with nothing_changes(isp.tenant, what="no permission"):
        assert _post(client, {"customer": rahim.pk}).status_code == 403
        assert client.get(reverse(LIST)).status_code == 403
