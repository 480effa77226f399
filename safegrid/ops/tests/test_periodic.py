"""Periodic commands record their runs (ops.periodic.PeriodicCommand)."""

from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from safegrid.ops import periodic
from safegrid.ops.models import JobRun

T0 = timezone.make_aware(datetime(2026, 12, 1, 8, 0))


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_successful_run_is_recorded_with_its_summary_line():
    with mock.patch("django.utils.timezone.now", return_value=T0):
        out = run("escalate")
    job = JobRun.objects.get(job="escalate")
    assert job.last_started_at == T0 and job.last_success_at == T0
    assert job.successes == 1 and job.failures == 0 and job.last_failure_at is None
    assert job.last_output == out.strip() and "supervised-listing" in job.last_output
    run("escalate")
    assert JobRun.objects.get(job="escalate").successes == 2


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_still_fails():
    with pytest.raises(CommandError):
        run("assign_grids")  # no grids in an empty database
    job = JobRun.objects.get(job="assign_grids")
    assert job.failures == 1 and job.successes == 0 and job.last_success_at is None
    assert job.last_failure_at is not None and "没有可处理的区县" in job.last_error


@pytest.mark.django_db
def test_each_scheduled_variant_is_its_own_job_and_hand_runs_are_not_recorded():
    run("regrade", "--pending")
    run("send_notifications")
    run("sample_followups")
    assert set(JobRun.objects.values_list("job", flat=True)) == {"regrade_pending", "send_notifications",
                                                                 "sample_followups"}
    run("regrade", "--county", "430903")  # by hand for one county: not the nightly job
    run("sample_followups", "--seed", "7")  # repeating an earlier draw
    assert not JobRun.objects.filter(job="regrade").exists()
    assert JobRun.objects.get(job="sample_followups").successes == 1


@pytest.mark.django_db
def test_statuses_follow_the_windows_with_a_fixed_clock(settings):
    settings.SAFEGRID_JOB_WINDOWS = {"sample_followups": 0}
    with mock.patch("django.utils.timezone.now", return_value=T0):
        run("regrade", "--pending")
    by_name = {s.job.name: s for s in periodic.statuses(now=T0 + timedelta(minutes=9))}
    assert by_name["regrade_pending"].state == "ok" and not by_name["regrade_pending"].late
    assert by_name["escalate"].state == "never" and by_name["escalate"].late
    assert by_name["sample_followups"].window is None and not by_name["sample_followups"].late
    later = {s.job.name: s for s in periodic.statuses(now=T0 + timedelta(minutes=11))}
    assert later["regrade_pending"].state == "late"


def test_every_job_names_a_command_that_exists():
    from django.core.management import get_commands

    commands = get_commands()
    for job in periodic.JOBS:
        assert job.command.split()[0] in commands, job
