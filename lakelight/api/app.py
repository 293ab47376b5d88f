"""The FastAPI app: one Workspace per process, shared by every request. Routes are plain
``def`` functions, so FastAPI runs them on its thread pool and the event loop stays free for
/healthz and other requests while asks, syntheses and ingests run. The local LLM is one
instance for the process, its calls queued behind a lock (``lakelight.llm.local``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from lakelight.api.admin import admin_router
from lakelight.api.errors import install_handlers
from lakelight.api.jobs import JobRunner
from lakelight.api.limits import BodyLimit, RateLimiter
from lakelight.api.metrics import Metrics
from lakelight.api.observe import Observe
from lakelight.api.routes import router
from lakelight.api.web import install_page
from lakelight.config import Settings, load_settings
from lakelight.workspace import Workspace

__all__ = ["create_app"]


def _mount_slack(app: FastAPI, ws: Workspace) -> str:
    """The Slack bot's routes beside the API's when its token and signing secret are set;
    /healthz reports which. Only one of the two set is a mistake, refused at startup."""
    s = ws.settings
    if s.slack_bot_token is None and s.slack_signing_secret is None:
        return "off: set LAKELIGHT_SLACK_BOT_TOKEN and LAKELIGHT_SLACK_SIGNING_SECRET"
    from lakelight.slack import mount_slack

    mount_slack(app, ws)
    return "on"


def create_app(workspace: Workspace | None = None, settings: Settings | None = None) -> FastAPI:
    """The app over ``workspace`` (default: one built from ``settings``, closed with the app)."""
    owned = workspace is None
    ws = workspace or Workspace(settings or load_settings())
    s = ws.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.close()
        if owned:
            ws.close()

    app = FastAPI(
        title="lakelight",
        summary="Cited answers and guarded synthetic records over your tables and logs.",
        version="0.1.0",
        lifespan=lifespan,
    )
    metrics = Metrics()
    app.state.workspace = ws
    app.state.metrics = metrics
    app.state.limiter = RateLimiter(s.api_rate_limit)
    app.state.jobs = JobRunner(on_done=lambda report: metrics.ingested(report.counts))
    install_handlers(app)
    app.include_router(router)
    install_page(app)
    app.state.slack = _mount_slack(app, ws)
    app.include_router(admin_router)

    app.add_middleware(Observe, metrics=metrics)
    if s.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=s.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    app.add_middleware(BodyLimit, limit=s.api_max_body_bytes)
    return app
