"""The customers' background-job pages under their contract: a job's page (progress,
outcome) and its result file. A job belongs to the subtree of the user who started it:
operator Y reaches none of operator X's jobs, and the other ISP none at all."""

import pytest

from conftest import in_scope
from netbill.core.jobs import job_create, job_running
from netbill.core.testing.contracts import DetailViewContract
from netbill.core.testing.people import fresh_user

pytestmark = pytest.mark.django_db


def finished_job(isp, by, kind="customers.import"):
    with in_scope(isp.tenant):
        job = job_create(by=fresh_user(by), kind=kind, title="Import customers.xlsx")
        with job_running(job.pk) as handle:
            handle.set_total(12)
            handle.advance(12)
            handle.finish(
                message="10 customers imported, 2 rejected.",
                result={"created": 10, "rejected": 2},
                result_file=("rejected-rows.xlsx", b"PK fake"),
            )
    return job


class TestCustomerJob(DetailViewContract):
    url_name = "customers:job"
    permission = "customers.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        isp.job = finished_job(isp, isp.user_x)

    def target(self, isp):
        return isp.job

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "10 customers imported, 2 rejected." in body
        assert 'id="job-status"' in body and "Done" in body
        assert "rejected-rows.xlsx" in body
        assert "hx-trigger" not in body  # finished: no more polling

    def test_a_running_job_polls_and_shows_its_live_progress(self, client, isp, request):
        with in_scope(isp.tenant):
            job = job_create(by=fresh_user(isp.user_x), kind="customers.import", title="Big")
            client.force_login(self.allowed_user(isp, request))
            with job_running(job.pk) as handle:
                handle.set_total(200)
                handle.advance(50)
                response = client.get(f"/customers/jobs/{job.pk}/?partial=1")
                body = response.content.decode()
                assert "<html" not in body  # only the progress block
                assert "50 of 200" in body and "25 %" in body and "hx-trigger" in body
                handle.finish(message="ok")

    def test_a_job_of_another_app_is_not_found_here(self, client, isp, request):
        job = finished_job(isp, isp.ga, kind="billing.run")
        client.force_login(self.allowed_user(isp, request))
        assert client.get(f"/customers/jobs/{job.pk}/").status_code == 404


class TestCustomerJobFile(DetailViewContract):
    url_name = "customers:job_file"
    permission = "customers.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        isp.job = finished_job(isp, isp.user_x)

    def target(self, isp):
        return isp.job

    def test_with_permission(self, client, isp, request):
        # A file, not a page: the job's title is not in it.
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "rejected-rows.xlsx" in response["Content-Disposition"]
        assert response.content == b"PK fake"

    def test_a_job_without_a_file_has_none(self, client, isp, request):
        with in_scope(isp.tenant):
            job = job_create(by=fresh_user(isp.user_x), kind="customers.export", title="x")
        client.force_login(self.allowed_user(isp, request))
        assert client.get(f"/customers/jobs/{job.pk}/file/").status_code == 404
