"""customers.imports.validate: many rows checked at once with the rules (and messages)
of Create Customer, names resolved, duplicates within the file caught."""

import datetime

import pytest

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.customers import services
from netbill.customers.imports.validate import validate_rows

from .helpers import (
    customer_setup,
    customer_values,
    make_custom_field,
    make_customer,
    set_mandatory_attributes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(isp):
    return customer_setup(isp)


def row(setup, isp, **overrides):
    """A good row as a spreadsheet gives it: names, not instances."""
    values = {
        "name": "মোঃ রহিম উদ্দিন",
        "mobile": "01712345678",
        "operator": isp.op_x.name,
        "connection_type": "PPPoE",
        "username": "rahim01",
        "password": "secret1",
        "package": setup.master.name,
        "billing_profile": setup.billing.name,
    }
    values.update(overrides)
    return values


def validate(isp, rows, by=None, **kwargs):
    user = fresh_user(by or isp.ga)
    with in_scope(isp.tenant):
        return validate_rows(by=user, rows=rows, **kwargs)


def test_good_rows_come_back_clean_with_instances(isp, setup):
    report = validate(
        isp,
        [
            row(setup, isp),
            row(
                setup,
                isp,
                username="karim02",
                mobile=1712000111,
                connection_type="static ip",
                static_ip="10.60.0.9",
                connection_date=datetime.datetime(2024, 5, 1),
            ),
        ],
    )
    assert report.errors == {}
    assert [i for i, _ in report.valid] == [0, 1]
    first = report.valid[0][1]
    assert first["name"] == "মোঃ রহিম উদ্দিন"
    assert first["mobile"] == "+8801712345678"
    assert first["operator"] == isp.op_x
    assert first["package"] == setup.package
    assert first["billing_profile"] == setup.billing
    assert first["connection_type"] == "pppoe"
    second = report.valid[1][1]
    assert second["mobile"] == "+8801712000111"
    assert second["connection_type"] == "static_ip"
    assert second["static_ip"] == "10.60.0.9"
    assert second["ip_pool"] == setup.pool
    assert second["connection_date"] == datetime.date(2024, 5, 1)
    assert report.counts == {"new": 2, "updated": 0, "unchanged": 0, "invalid": 0}


def test_the_operator_may_be_named_by_its_username(isp, setup):
    report = validate(isp, [row(setup, isp, operator=isp.user_x.username)])
    assert report.valid[0][1]["operator"] == isp.op_x


def test_bad_rows_give_messages_per_field(isp, setup):
    report = validate(
        isp,
        [
            row(setup, isp, mobile="12345"),
            row(setup, isp, username="b1", package="Gold 99M"),
            row(setup, isp, username="b2", zone="Nowhere"),
            row(setup, isp, username="b3", operator="Nobody"),
            row(setup, isp, username="b4", name="", password=""),
        ],
    )
    assert report.valid == []
    assert report.errors[0] == {"mobile": ["Enter a valid mobile number."]}
    assert report.errors[1] == {"package": ["There is no package “Gold 99M”."]}
    assert report.errors[2] == {"zone": ["There is no zone “Nowhere”."]}
    assert report.errors[3] == {"operator": ["There is no operator “Nobody”."]}
    assert report.errors[4] == {
        "name": ["Name is required."],
        "password": ["PPPoE and Hotspot customers need a password."],
    }


def test_a_package_of_another_operator_is_refused(isp, setup):
    report = validate(isp, [row(setup, isp, operator=isp.op_y.name)])
    assert report.errors[0]["package"] == [
        f"The package “{setup.master.name}” is not one of {isp.op_y.name}'s packages."
    ]


def test_an_operator_outside_reach_is_refused(isp, setup):
    report = validate(isp, [row(setup, isp, operator=isp.op_y.name)], by=isp.user_x)
    assert report.errors[0]["operator"] == ["This operator is outside your reach."]


def test_mandatory_attributes_and_custom_fields(isp, setup):
    set_mandatory_attributes(by=isp.ga, required=["address", "zone"])
    make_custom_field(by=isp.ga, name="Box number", field_type="number", mandatory=True)
    report = validate(
        isp,
        [
            row(setup, isp),
            row(setup, isp, username="ok2", address="Mirpur 10", custom_fields={"box_number": 7}),
        ],
    )
    assert report.errors[0] == {
        "address": ["Address is required."],
        "zone": ["Zone is required."],
        "custom_fields": ["“Box number” is required."],
    }
    assert report.errors[1] == {"zone": ["Zone is required."]}


def test_duplicates_within_the_file_refuse_every_copy(isp, setup):
    report = validate(
        isp,
        [
            row(setup, isp, username="same"),
            row(setup, isp, username="SAME"),
            row(setup, isp, username="ip1", connection_type="static_ip", static_ip="10.60.0.7"),
            row(setup, isp, username="ip2", connection_type="static_ip", static_ip="10.60.0.7"),
            row(setup, isp, username="fine"),
        ],
    )
    assert [i for i, _ in report.valid] == [4]
    assert report.errors[0] == {"username": ["The username “same” is in the file more than once."]}
    assert report.errors[1] == report.errors[0]
    assert report.errors[2] == {
        "static_ip": ["10.60.0.7 is given to more than one row of the file."]
    }


def test_existing_usernames_are_errors_or_updates(isp, setup):
    taken = make_customer(by=isp.ga, setup=setup, username="old1", name="Old name")
    rows = [row(setup, isp, username="OLD1", name="New name"), row(setup, isp, username="new1")]
    plain = validate(isp, rows)
    assert plain.errors == {0: {"username": ["The username “OLD1” is already taken."]}}
    assert plain.existing[0].pk == taken.pk
    updating = validate(isp, rows, update_existing=True)
    assert updating.errors == {}
    assert [i for i, _ in updating.valid] == [1]
    [(index, customer, changes)] = updating.updates
    assert (index, customer.pk) == (0, taken.pk)
    assert changes["name"] == "New name"
    # The same row again: nothing to change.
    same = validate(
        isp, [row(setup, isp, username="old1", name="Old name", mobile=taken.mobile)],
        update_existing=True,
    )  # fmt: skip
    assert "name" not in (same.updates[0][2] if same.updates else {})


def test_someone_else_s_customer_is_not_updated(isp, setup):
    other = customer_setup(isp, operator=isp.op_y, pool_subnet="10.61.0.0/24", label="Y")
    make_customer(by=isp.ga, setup=other, username="ycust")
    report = validate(isp, [row(setup, isp, username="ycust")], by=isp.user_x, update_existing=True)
    assert report.updates == []
    assert report.errors[0]["username"] == ["The username “ycust” is already taken."]


def test_static_ip_taken_in_the_database(isp, setup):
    make_customer(
        by=isp.ga, setup=setup, username="holder", connection_type="static_ip",
        static_ip="10.60.0.5",
    )  # fmt: skip
    report = validate(isp, [row(setup, isp, connection_type="static_ip", static_ip="10.60.0.5")])
    assert report.errors[0] == {
        "static_ip": ["10.60.0.5 is already given to the customer “holder”."]
    }


def test_needs_customers_create(isp, setup):
    with pytest.raises(BusinessRuleError):
        validate(isp, [row(setup, isp)], by=isp.noc)


# The same bad inputs through Create Customer's own `_clean` and through the batch:
# the messages must be the same, field by field.
BAD_INPUTS = [
    {"mobile": "12345"},
    {"mobile": ""},
    {"name": ""},
    {"name": "x" * 129},
    {"email": "not-an-email"},
    {"nid": "12AB"},
    {"username": "-bad"},
    {"username": ""},
    {"password": "has space"},
    {"password": ""},
    {"connection_type": "dialup"},
    {"static_ip": "999.1.1.1"},
    {"static_ip": "192.168.77.5"},
    {"connection_type": "static_ip"},
    {"mac_address": "zz:zz"},
    {"custom_price": "-5"},
    {"custom_price": "1.234"},
    {"connection_date": "yesterday"},
    {"zone": 999999},
    {"operator": 999999},
    {"package": 999999},
    {"billing_profile": 999999},
    {"ip_pool": 999999, "static_ip": "10.60.0.20"},
    {"custom_fields": {"nope": "1"}},
]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda b: ",".join(b))
def test_same_messages_as_create_customer(isp, setup, bad):
    values = {**customer_values(setup, isp.op_x, username="same-msg"), **bad}
    user = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError) as exc:
            services.customer_create(by=user, **values)
        expected = exc.value.message_dict
        report = validate_rows(by=user, rows=[values])
    assert report.errors[0] == expected


def test_same_messages_for_cross_checks(isp, setup):
    """Package of another operator, billing profile not assigned, taken username."""
    other = customer_setup(isp, operator=isp.op_y, pool_subnet="10.62.0.0/24", label="Other")
    make_customer(by=isp.ga, setup=setup, username="taken1")
    user = fresh_user(isp.ga)
    for bad in (
        {"package": other.package},
        {"billing_profile": other.billing},
        {"username": "TAKEN1"},
        {"connection_type": "static_ip", "static_ip": "10.62.0.10", "ip_pool": setup.pool},
    ):
        values = customer_values(setup, isp.op_x, **{"username": "cross1", **bad})
        with in_scope(isp.tenant):
            with pytest.raises(BusinessRuleError) as exc:
                services.customer_create(by=user, **values)
            report = validate_rows(by=user, rows=[values])
        assert report.errors[0] == exc.value.message_dict, bad


def test_the_number_of_queries_does_not_grow_with_the_rows(isp, setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    have = [make_customer(by=isp.ga, setup=setup, username=f"have{n}") for n in range(8)]

    def count(k):
        rows = [row(setup, isp, username=c.username, name="Changed") for c in have[:k]]
        rows += [row(setup, isp, username=f"fresh{n}") for n in range(10 * k)]
        user = fresh_user(isp.ga)
        with in_scope(isp.tenant), CaptureQueriesContext(connection) as queries:
            report = validate_rows(by=user, rows=rows, update_existing=True)
        assert len(report.updates) == k and len(report.valid) == 10 * k, report.errors
        return len(queries)

    assert count(2) == count(8)


def test_progress_adds_up_to_the_rows(isp, setup, monkeypatch):
    from netbill.customers.imports import validate as module

    monkeypatch.setattr(module, "PROGRESS_STEP", 2)
    steps = []
    rows = [row(setup, isp, username=f"p{n}") for n in range(5)]
    user = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        validate_rows(by=user, rows=rows, on_progress=steps.append)
    assert steps == [2, 2, 1]
