"""Background ingest jobs: queued on one worker thread (the workspace ingests one source at a
time anyway), with their progress, counts and error. A job is visible to the key that started
it and to admins; to anyone else it does not exist. The worker is a daemon: a server stopping
does not wait for a long ingest, which is crash-safe and completes on its next run."""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lakelight.errors import LakelightError, NotFoundError
from lakelight.index.access import Access
from lakelight.index.pipeline import IngestReport, Progress

__all__ = ["Job", "JobRunner"]

MAX_JOBS_KEPT = 1000
log = logging.getLogger("lakelight.api")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    job_id: str
    owner: str
    source: str
    state: str = "queued"
    progress: dict[str, int] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    error: str | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        counts = (
            {n: self.report[n] for n in IngestReport.COUNTS} if self.report is not None else None
        )
        return {
            "job_id": self.job_id,
            "state": self.state,
            "source": self.source,
            "progress": dict(self.progress),
            "counts": counts,
            "report": self.report,
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class JobRunner:
    def __init__(self, on_done: Callable[[IngestReport], None] | None = None):
        self._queue: queue.Queue[tuple[Job, Callable[[Progress], IngestReport]] | None] = (
            queue.Queue()
        )
        self._worker = threading.Thread(target=self._work, name="lakelight-ingest", daemon=True)
        self._worker.start()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._on_done = on_done

    def submit(self, access: Access, source: str, work: Callable[[Progress], IngestReport]) -> Job:
        job = Job(secrets.token_hex(8), access.name, source)
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.pop(next(iter(self._jobs)))
        self._queue.put((job, work))
        return job

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            self._run(*item)

    def _run(self, job: Job, work: Callable[[Progress], IngestReport]) -> None:
        job.state = "running"

        def progress(table: str, done: int) -> None:
            job.progress[table] = done

        try:
            report = work(progress)
        except LakelightError as exc:
            job.state, job.error = "failed", str(exc)
        except Exception:  # a bug: logged with its traceback, the caller sees no internals
            log.exception("ingest job %s failed", job.job_id)
            job.state, job.error = "failed", "Internal error: the server log has the details"
        else:
            job.report = report.as_dict()
            job.state = "done" if report.ok else "failed"
            job.error = report.error or next((t.error for t in report.tables if t.error), None)
            if self._on_done is not None:
                self._on_done(report)
        finally:
            job.finished_at = _now()

    def get(self, job_id: str, access: Access) -> Job:
        job = self._jobs.get(job_id)
        if job is None or not (access.admin or job.owner == access.name):
            raise NotFoundError(f"No job {job_id!r} of yours")
        return job

    def close(self) -> None:
        """Stop taking jobs; queued ones are dropped, a running one is left to the daemon."""
        while not self._queue.empty():
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
