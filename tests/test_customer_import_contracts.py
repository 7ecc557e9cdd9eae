"""Customers → Import from Excel under its contracts: the upload page, the template, the
column mapping and the review. An import belongs to the subtree of the user who
uploaded it: operator Y reaches none of operator X's imports (404), the other ISP none
at all (404); the upload page and the template show each user their own ISP."""

import io

import openpyxl
import pytest
from django.urls import reverse

from netbill.accounts.models import Operator
from netbill.core.testing.contracts import DetailViewContract, PageContract
from netbill.customers.tests.import_helpers import make_import_job

pytestmark = pytest.mark.django_db


class TestCustomerImportUpload(PageContract):
    url_name = "customers:import_upload"
    permission = "customers.create"
    other_subtree_user = "user_y"

    def check_page(self, response, isp, user):
        body = response.content.decode()
        assert reverse("customers:import_template") in body
        assert 'type="file"' in body


class TestCustomerImportTemplate(PageContract):
    url_name = "customers:import_template"
    permission = "customers.create"
    other_subtree_user = "user_y"

    def check_page(self, response, isp, user):
        assert response["Content-Disposition"].startswith("attachment")
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        headers = [c.value for c in book.worksheets[0][1]]
        assert headers[:2] == ["Name *", "Mobile *"]
        listed = {r[0] for r in book.worksheets[1].iter_rows(values_only=True)}
        # The operators the user reaches, never another subtree's (nor another ISP's:
        # the contract's leak check).
        operators = {o.name: o.path for o in Operator.objects.filter(tenant=isp.tenant)}
        reach = {name for name, path in operators.items() if path.startswith(user.reach_path)}
        assert reach and reach <= listed
        assert not (set(operators) - reach) & listed


class _Import(DetailViewContract):
    permission = "customers.create"
    other_subtree_user = "user_y"
    methods = ("get", "post")

    def prepare(self, isp):
        isp.import_job = make_import_job(isp, isp.user_x)

    def target(self, isp):
        return isp.import_job


class TestCustomerImportMap(_Import):
    url_name = "customers:import_map"

    def form_data(self, isp):
        return {f"col_{i}": f for i, f in enumerate(isp.import_job.params["mapping"])}

    def check_page(self, response, isp):
        form = response.context["form"]
        assert [f.value() for f in form.column_fields()] == isp.import_job.params["mapping"]


class TestCustomerImportReview(_Import):
    url_name = "customers:import_review"

    def form_data(self, isp):
        return {"mode": "valid"}

    def check_page(self, response, isp):
        review = response.context["review"]
        assert review["rows"] == 1
        assert review["invalid"] == 1  # "x" is no package of operator X
        assert 'id="import-errors"' in response.content.decode()
