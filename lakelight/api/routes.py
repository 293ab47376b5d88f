"""The routes: parse the request, call the Workspace with the caller's access, format the
result. Nothing here decides who may read what; the Workspace does, inside each read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from lakelight.api.auth import require
from lakelight.api.models import (
    AnswerBody,
    AskRequest,
    CallerBody,
    ErrorBody,
    FeedbackRequest,
    HitBody,
    IngestRequest,
    JobBody,
    JobCreated,
    SearchRequest,
    SourceBody,
    SynthRequestBody,
    SynthResult,
)
from lakelight.api.synth_stream import csv_text, jsonable, stream_rows
from lakelight.errors import LakelightError
from lakelight.generate.output import plain_rows
from lakelight.generate.synthesize import SynthRequest
from lakelight.index.api_keys import ApiKey
from lakelight.workspace import Workspace

__all__ = ["router", "workspace_of"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}
router = APIRouter(responses=_ERRORS)
read, ingest_scope = require("read"), require("ingest")


def workspace_of(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


@router.post("/v1/ask", response_model=AnswerBody, tags=["answers"])
async def ask(body: AskRequest, request: Request, key: ApiKey = Depends(read)) -> dict[str, Any]:
    """A cited answer: the same JSON as `lakelight ask --json`, plus `answer_id`."""
    ws = workspace_of(request)
    args: dict[str, Any] = {
        "table": body.table,
        "use_llm": body.use_llm,
        "access": key.access,
        "keep": True,
    }
    # a repeated question is answered here on the event loop (a few catalog reads: a hop to
    # a worker thread cost more than the answer); any other is worked out on a worker thread
    answer = ws.cached_answer(body.question, **args)
    if answer is None:
        answer = await run_in_threadpool(ws.ask, body.question, **args)
    out = answer.as_dict()
    request.state.tables = sorted({c["table"] for c in out["citations"]})
    request.app.state.metrics.answered(out)
    return out


@router.post("/v1/search", response_model=list[HitBody], tags=["answers"])
def search(
    body: SearchRequest, request: Request, key: ApiKey = Depends(read)
) -> list[dict[str, Any]]:
    """Hybrid search: the same list as `lakelight search --json`."""
    hits = workspace_of(request).search(body.text, body.k, tables=body.tables, access=key.access)
    request.state.tables = sorted({h.table for h in hits})
    return [h.as_dict() for h in hits]


@router.post(
    "/v1/synthesize",
    response_model=SynthResult,
    tags=["synthesis"],
    responses={200: {"content": {"text/csv": {}}}},
)
def synthesize(body: SynthRequestBody, request: Request, key: ApiKey = Depends(read)) -> Response:
    """New rows like a table's (JSON `{"rows", "summary"}`, or CSV with `Accept: text/csv`);
    more than LAKELIGHT_API_STREAM_ROWS rows are streamed as they are made."""
    ws = workspace_of(request)
    synth = SynthRequest(body.table, body.n, list(body.where), body.like, body.seed, body.mode)
    as_csv = "text/csv" in request.headers.get("accept", "")
    request.state.tables = [body.table]

    def run(sink: Any) -> Any:
        return ws.synth_rows(synth, sink, access=key.access)

    if body.n > ws.settings.api_stream_rows:
        chunks = stream_rows(run, as_csv)
        media = "text/csv" if as_csv else "application/json"
        return StreamingResponse(chunks, media_type=media)
    frames: list[Any] = []
    result = run(frames.append)
    if as_csv:
        return PlainTextResponse(csv_text(frames), media_type="text/csv")
    rows = [r for f in frames for r in plain_rows(f)]
    return JSONResponse(jsonable({"rows": rows, "summary": result.summary}))


@router.post(
    "/v1/synthesize/report",
    tags=["synthesis"],
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
def synthesize_report(
    body: SynthRequestBody, request: Request, key: ApiKey = Depends(read)
) -> Response:
    """The HTML quality report of the same run `POST /v1/synthesize` makes (the page
    `lakelight synth --report` writes): self-contained, no script."""
    from lakelight.api.web import REPORT_POLICY

    synth = SynthRequest(body.table, body.n, list(body.where), body.like, body.seed, body.mode)
    request.state.tables = [body.table]
    page = workspace_of(request).synth_report(synth, access=key.access)
    return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_POLICY})


@router.get("/v1/me", response_model=CallerBody, tags=["operations"])
def me(key: ApiKey = Depends(read)) -> dict[str, Any]:
    """Who this key is: its name, groups and scopes (never the key)."""
    return {"name": key.name, "groups": list(key.groups), "scopes": list(key.scopes)}


@router.post("/v1/ingest", status_code=202, response_model=JobCreated, tags=["sources"])
def ingest(
    body: IngestRequest, request: Request, key: ApiKey = Depends(ingest_scope)
) -> dict[str, str]:
    """Ingest in the background: poll `GET /v1/jobs/{job_id}`. Files only under
    LAKELIGHT_INGEST_ROOTS, URLs only from LAKELIGHT_INGEST_URL_ALLOW."""
    ws = workspace_of(request)
    ws.check_remote_source(body.source, sql=body.query is not None)
    access = key.access

    def work(progress: Any) -> Any:
        return ws.ingest(
            body.source,
            table=body.table,
            query=body.query,
            progress=progress,
            groups=body.groups,
            access=access,
        )

    job = request.app.state.jobs.submit(access, body.source, work)
    return {"job_id": job.job_id}


@router.get("/v1/jobs/{job_id}", response_model=JobBody, tags=["sources"])
def job(job_id: str, request: Request, key: ApiKey = Depends(read)) -> dict[str, Any]:
    """An ingest job's state, progress, counts and error (yours only; admins see all)."""
    found: dict[str, Any] = request.app.state.jobs.get(job_id, key.access).as_dict()
    return found


@router.get("/v1/sources", response_model=list[SourceBody], tags=["sources"])
def sources(request: Request, key: ApiKey = Depends(read)) -> list[dict[str, Any]]:
    """The sources you may read, with the groups that may read them."""
    return workspace_of(request).sources(key.access)


@router.get("/v1/tables", tags=["sources"])
def tables(request: Request, key: ApiKey = Depends(read)) -> list[dict[str, Any]]:
    """The tables you may read: schema and per-column profile (as `lakelight tables --json`)."""
    return [t.as_dict() for t in workspace_of(request).tables(key.access)]


@router.post("/v1/feedback", status_code=204, tags=["answers"])
def feedback(body: FeedbackRequest, request: Request, key: ApiKey = Depends(read)) -> Response:
    """Rate an answer you were given (1 or -1, and a comment)."""
    workspace_of(request).rate(body.answer_id, body.rating, body.comment, access=key.access)
    return Response(status_code=204)


@router.get("/healthz", tags=["operations"])
def healthz(request: Request) -> JSONResponse:
    """No key needed: whether the catalog and the indexes are usable, and whether the Slack
    bot's routes are on."""
    ws = workspace_of(request)
    checks = {"catalog": False, "index": False}
    try:
        ws.catalog.generation()
        checks["catalog"] = True
        built = ws.__dict__.get("indexes")
        checks["index"] = (
            built.in_step() or built.keywords.generation >= 0
            if built is not None
            else ws.settings.keywords_path.exists() or not ws.catalog.list_tables()
        )
    except LakelightError:
        pass
    ok = all(checks.values())
    body = {"ok": ok, **checks, "slack": getattr(request.app.state, "slack", "off")}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
def metrics(request: Request, key: ApiKey = Depends(read)) -> Response:
    """Prometheus text format."""
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
