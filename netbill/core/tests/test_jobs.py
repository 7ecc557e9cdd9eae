"""core.jobs: a background job's life (pending → running → done or failed), its live
progress and its result file."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.jobs import JobAlreadyRun, job_create, job_running, progress
from netbill.core.models import BackgroundJob
from netbill.core.testing.people import fresh_user

pytestmark = pytest.mark.django_db


def new_job(isp, **kwargs):
    with in_scope(isp.tenant):
        return job_create(by=fresh_user(isp.user_x), kind="test.kind", title="A job", **kwargs)


def test_a_job_runs_to_done_with_its_result_and_file(isp):
    job = new_job(isp, params={"a": 1}, input_file=ContentFile(b"in", name="in.csv"))
    assert (job.status, job.reach_path, job.created_by_id) == (
        "pending",
        isp.op_x.path,
        isp.user_x.pk,
    )
    with in_scope(isp.tenant), job_running(job.pk) as handle:
        assert handle.params == {"a": 1}
        assert handle.input_file.read() == b"in"
        handle.set_total(10)
        handle.advance(4)
        running = BackgroundJob.objects.get(pk=job.pk)
        assert running.status == "running" and running.started_at
        assert progress(running) == (4, 10)  # live, from the cache
        handle.advance(6)
        handle.finish(message="All done.", result={"created": 10}, result_file=("r.txt", b"ok"))
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(pk=job.pk)
    assert (job.status, job.message, job.result, job.done, job.total) == (
        "done",
        "All done.",
        {"created": 10},
        10,
        10,
    )
    assert job.result_file.read() == b"ok"
    assert job.finished_at and progress(job) == (10, 10)
    assert cache.get(f"netbill:job:{job.pk}:progress") is None


def test_a_business_rule_error_fails_the_job_with_its_message(isp):
    job = new_job(isp)
    with in_scope(isp.tenant), job_running(job.pk) as handle:
        handle.set_total(3)
        handle.advance(1)
        raise BusinessRuleError("The file has no rows.")
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(pk=job.pk)
    assert (job.status, job.message, job.done, job.total) == (
        "failed",
        "The file has no rows.",
        1,
        3,
    )


def test_an_unexpected_error_fails_the_job_with_a_plain_message(isp, caplog):
    job = new_job(isp)
    with in_scope(isp.tenant), job_running(job.pk):
        raise KeyError("secret detail")
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(pk=job.pk)
    assert job.status == "failed"
    assert job.message == "The job stopped on an unexpected error; nothing was changed."
    assert "secret detail" not in job.message
    assert "failed" in caplog.text


def test_a_redelivered_task_does_not_run_the_work_again(isp):
    job = new_job(isp)
    with in_scope(isp.tenant), job_running(job.pk):
        pass
    ran = []
    with in_scope(isp.tenant), pytest.raises(JobAlreadyRun), job_running(job.pk):
        ran.append(True)
    assert ran == []


def test_abandoned_uploads_are_purged_with_their_files_after_a_week(isp, other_isp):
    import datetime

    from django.utils import timezone

    from netbill.core.tasks import jobs_purge_pending_task

    old = new_job(isp, input_file=ContentFile(b"old", name="old.xlsx"))
    fresh = new_job(isp)
    done = new_job(isp)
    with in_scope(isp.tenant), job_running(done.pk):
        pass
    with in_scope(other_isp.tenant):
        theirs = job_create(by=fresh_user(other_isp.ga), kind="test.kind", title="Theirs")
    week_ago = timezone.now() - datetime.timedelta(days=8)
    for tenant, pks in ((isp.tenant, [old.pk, done.pk]), (other_isp.tenant, [theirs.pk])):
        with in_scope(tenant):
            BackgroundJob.objects.filter(pk__in=pks).update(created_at=week_ago)
    storage, name = old.input_file.storage, old.input_file.name
    assert storage.exists(name)
    assert jobs_purge_pending_task(tenant_id=isp.tenant.pk) == 1
    with in_scope(isp.tenant):
        assert set(BackgroundJob.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    with in_scope(other_isp.tenant):
        assert BackgroundJob.objects.filter(pk=theirs.pk).exists()
    assert not storage.exists(name)
