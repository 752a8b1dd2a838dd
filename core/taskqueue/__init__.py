"""The task queue: Celery with Redis as broker, beat for the schedule, all fed by `core.jobs.REGISTRY`.

- `wasl worker` runs the tasks, `wasl beat` sends each registered job at its interval (Celery's own
  commands, started with this app's configuration);
- `wasl jobs run` runs every due job once, for deployments that prefer cron;
- the embedded default (`wasl demo`) runs the same task in-process on a timer, with no broker.

Whatever starts a job, `runner.run_job` does the work: it takes a lease on the job's row in `job_runs`
so two runners never run one job at once, runs it, and records when and how it went.
"""
