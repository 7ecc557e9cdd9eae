"""Catalog pages beyond their contracts: refusals shown on the form, nothing saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.catalog.models import OperatorPackage
from netbill.core.testing.state import nothing_changes

from .helpers import make_master_package, make_operator_package

pytestmark = pytest.mark.django_db


def test_customer_price_below_operator_price_is_a_form_error(client, isp):
    package = make_master_package(by=isp.ga, name="Home 5 Mbps")
    client.force_login(isp.ga)
    data = {
        "operator": isp.op_x.pk,
        "master_package": package.pk,
        "operator_price": "500",
        "customer_price": "450",
    }
    with nothing_changes(isp.tenant, what="refused assignment"):
        response = client.post(reverse("catalog:operator_package_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["customer_price"] == [
        "The customer price (450.00) is below the operator's price (500.00): the operator "
        "would lose money on every customer."
    ]


def test_deleting_a_package_in_use_shows_why(client, isp):
    package = make_master_package(by=isp.ga, name="Home 5 Mbps")
    make_operator_package(by=isp.ga, operator=isp.op_x, master_package=package)
    client.force_login(isp.ga)
    url = reverse("catalog:master_package_delete", args=[package.pk])
    with nothing_changes(isp.tenant, what="refused delete"):
        response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    assert "remove those operator packages first" in response.content.decode()


def test_an_operator_cannot_assign_or_reprice(client, isp):
    package = make_master_package(by=isp.ga, name="Home 5 Mbps")
    assigned = make_operator_package(by=isp.ga, operator=isp.op_x, master_package=package)
    client.force_login(isp.user_x)
    with nothing_changes(isp.tenant, what="operator edits"):
        edit = reverse("catalog:operator_package_edit", args=[assigned.pk])
        assert client.post(edit, {"operator_price": "1", "customer_price": "1"}).status_code == 403
        assert client.get(reverse("catalog:master_package_list")).status_code == 403
    with in_scope(isp.tenant):
        assert OperatorPackage.objects.get(pk=assigned.pk).operator_price == Decimal("400.00")
