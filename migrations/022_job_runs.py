"""Scheduled jobs (issue #9): the run history and the admins' per-job settings."""

import peewee as pw
from peewee_migrate import Migrator

# At most one running and one queued run per job, on SQLite and PostgreSQL alike.
ONE_RUNNING = ("CREATE UNIQUE INDEX job_run_one_running ON job_run (job) "
               "WHERE status = 'running'")
ONE_QUEUED = ("CREATE UNIQUE INDEX job_run_one_queued ON job_run (job) "
              "WHERE status = 'queued'")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create job_run (with its partial unique indexes) and job_setting."""

    @migrator.create_model
    class JobRun(pw.Model):
        id = pw.AutoField()
        job = pw.CharField(max_length=60)
        status = pw.CharField(max_length=10, default="queued", index=True)
        trigger = pw.CharField(max_length=10)
        triggered_by = pw.CharField(max_length=160, default="")
        created_at = pw.DateTimeField(index=True)
        started_at = pw.DateTimeField(null=True)
        finished_at = pw.DateTimeField(null=True)
        rows_read = pw.IntegerField(default=0)
        rows_changed = pw.IntegerField(default=0)
        error_count = pw.IntegerField(default=0)
        errors = pw.TextField(default="[]")
        done = pw.IntegerField(default=0)
        total = pw.IntegerField(null=True)
        message = pw.TextField(default="")
        pid = pw.IntegerField(null=True)
        host = pw.CharField(max_length=255, default="")

        class Meta:
            table_name = "job_run"
            indexes = ((("job", "created_at"), False),)

    @migrator.create_model
    class JobSetting(pw.Model):
        id = pw.AutoField()
        job = pw.CharField(max_length=60, unique=True)
        enabled = pw.BooleanField(default=True)
        cron = pw.CharField(max_length=120, default="")
        interval_seconds = pw.IntegerField(null=True)
        updated_by = pw.CharField(max_length=160, default="")
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "job_setting"

    migrator.sql(ONE_RUNNING)
    migrator.sql(ONE_QUEUED)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX IF EXISTS job_run_one_queued")
    migrator.sql("DROP INDEX IF EXISTS job_run_one_running")
    migrator.remove_model("job_setting")
    migrator.remove_model("job_run")
