"""Periodic jobs: the management commands that timers (deploy/systemd) or cron run, the record of
their runs (JobRun) and the window within which each must have succeeded for /readyz.

A command takes part by subclassing `PeriodicCommand` instead of BaseCommand; a run that is not
the scheduled one (e.g. `regrade --county 430903`) returns None from `job_name` and is not recorded.
"""

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from .models import JobRun

log = logging.getLogger("safegrid.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    command: str
    schedule: str
    window_minutes: int  # default; 0 = not checked


# The schedule is what deploy/systemd/*.timer and deploy/cron/safegrid install; the window leaves room
# for one missed run. Operators change windows with SAFEGRID_JOB_WINDOWS ("job=minutes,…").
JOBS = (
    Job("regrade_pending", "安全码待重算队列", "regrade --pending", "每分钟", 10),
    Job("send_notifications", "外部推送重试", "send_notifications", "每 5 分钟", 30),
    Job("escalate", "重大隐患挂牌督办通知", "escalate", "每天 07:00", 26 * 60),
    Job("regrade", "安全码全量重算", "regrade", "每天 01:30", 26 * 60),
    Job("assign_grids", "企业落网格", "assign_grids", "每天 02:30", 26 * 60),
    Job("backup", "数据备份", "backup", "每天 00:30", 26 * 60),
    Job("apply_retention", "数据保留期限清理", "apply_retention", "每天 03:30", 26 * 60),
    Job("sample_followups", "回头看抽查", "sample_followups", "每月 1 日 03:00", 32 * 24 * 60),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def window(job):
    """The job's window as a timedelta, None when it is not checked."""
    minutes = settings.SAFEGRID_JOB_WINDOWS.get(job.name, job.window_minutes)
    return timedelta(minutes=minutes) if minutes else None


@dataclass(frozen=True)
class JobStatus:
    job: Job
    run: JobRun | None
    window: timedelta | None
    late: bool  # no success within the window (a job never run is late)

    @property
    def state(self):
        """never / late / failing (last run failed, still within the window) / ok / unchecked."""
        if self.run is None or self.run.last_success_at is None:
            return "never"
        if self.late:
            return "late"
        if self.run.last_failure_at and self.run.last_failure_at > self.run.last_success_at:
            return "failing"
        return "ok" if self.window else "unchecked"


def window_text(span):
    """A window in Chinese: 10 分钟, 26 小时, 32 天."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"


def statuses(now=None):
    now = now or timezone.now()
    runs = {run.job: run for run in JobRun.objects.all()}
    out = []
    for job in JOBS:
        run, span = runs.get(job.name), window(job)
        success = run.last_success_at if run else None
        late = span is not None and (success is None or now - success > span)
        out.append(JobStatus(job, run, span, late))
    return out


@contextmanager
def recording(job):
    """Record the run of `job` in JobRun: start, then success or failure (re-raised). The body may
    put more fields for the success row into the dict it gets (last_output)."""
    started, clock, extra = timezone.now(), time.monotonic(), {}
    _write(job, last_started_at=started)
    try:
        yield extra
    except BaseException as exc:
        seconds = time.monotonic() - clock
        log.error("job %s failed after %.1f s: %s", job, seconds, exc)
        _write(job, last_failure_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:500],
               last_seconds=seconds, failures=F("failures") + 1)
        raise
    seconds = time.monotonic() - clock
    log.info("job %s succeeded in %.1f s", job, seconds)
    _write(job, last_success_at=timezone.now(), last_seconds=seconds, successes=F("successes") + 1, **extra)


def _write(job, **fields):
    """Upsert the job's row. A failure to record (database down) is logged, never raised: the job's
    own outcome decides the exit status."""
    try:
        if not JobRun.objects.filter(job=job).update(**fields):
            JobRun.objects.get_or_create(job=job)
            JobRun.objects.filter(job=job).update(**fields)
    except DatabaseError as exc:
        log.error("could not record the run of job %s: %s", job, exc)


class _LastLine:
    """A stream that remembers the last line written through it (the run's summary)."""

    def __init__(self, stream):
        self.stream, self.last = stream, ""

    def write(self, text):
        if text.strip():
            self.last = text.strip().splitlines()[-1]
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


class PeriodicCommand(BaseCommand):
    """A management command whose runs are recorded for /readyz, /metrics and the operator page."""

    def job_name(self, options):
        """The job this run is, or None for a run that is not the scheduled one."""
        return self.__module__.rsplit(".", 1)[-1]

    def execute(self, *args, **options):
        job = self.job_name(options)
        if job is None:
            return super().execute(*args, **options)
        stdout = _LastLine(options.get("stdout") or sys.stdout)
        options["stdout"] = stdout
        with recording(job) as extra:
            output = super().execute(*args, **options)
            extra["last_output"] = stdout.last[:500]
        return output
