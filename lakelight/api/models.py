"""Request and response bodies of the HTTP API (Pydantic; they make /openapi.json). Requests
forbid unknown fields, so a typo is a 422 naming the field, not silently ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnswerBody",
    "AskRequest",
    "CallerBody",
    "CitationBody",
    "ErrorBody",
    "ErrorDetail",
    "FeedbackRequest",
    "GrantRequest",
    "GrantResult",
    "HitBody",
    "IngestRequest",
    "JobBody",
    "JobCreated",
    "KeyBody",
    "KeyCreated",
    "KeyRequest",
    "SearchRequest",
    "SourceBody",
    "SynthRequestBody",
    "SynthResult",
]


Scope = Literal["read", "ingest", "admin"]


def _read_only() -> list[Scope]:
    return ["read"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskRequest(_Request):
    question: str = Field(min_length=1, max_length=20_000, description="A plain-language question.")
    table: str | None = Field(None, max_length=500, description="Answer from this table only.")
    use_llm: bool = Field(True, description="False: extractive answers only (no model).")


class SearchRequest(_Request):
    text: str = Field(min_length=1, max_length=20_000, description="Words, ids, codes, names.")
    k: int = Field(10, ge=1, le=1000, description="How many rows.")
    tables: list[str] | None = Field(None, max_length=100, description="Only these tables.")


class SynthRequestBody(_Request):
    table: str = Field(min_length=1, max_length=500, description="The table to draw from.")
    n: int = Field(ge=0, description="How many rows to make.")
    where: list[str] = Field(
        default_factory=list, max_length=50, description='Conditions "col=value" (!= > >= < <=).'
    )
    like: str | None = Field(None, max_length=2000, description="Examples nearest this text.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="The same seed, the same rows.")
    mode: Literal["auto", "stats", "llm"] = "auto"


class IngestRequest(_Request):
    source: str = Field(
        min_length=1,
        max_length=2000,
        description="A path under LAKELIGHT_INGEST_ROOTS, or a URL LAKELIGHT_INGEST_URL_ALLOW "
        "allows.",
    )
    table: str | None = Field(None, max_length=500)
    query: str | None = Field(None, max_length=20_000, description="A SELECT (SQL sources).")
    groups: list[str] | None = Field(
        None, max_length=100, description="Groups that may read it; none: readable by all."
    )


class FeedbackRequest(_Request):
    answer_id: str = Field(min_length=1, max_length=64)
    rating: Literal[1, -1]
    comment: str | None = Field(None, max_length=5000)


class KeyRequest(_Request):
    name: str = Field(min_length=1, max_length=100, description="Who holds it.")
    groups: list[str] = Field(default_factory=list, max_length=100, description="It reads as.")
    scopes: list[Scope] = Field(default_factory=_read_only, min_length=1, max_length=3)


class KeyCreated(BaseModel):
    name: str
    key: str = Field(description="Shown only in this response.")
    groups: list[str]
    scopes: list[str]


class KeyBody(BaseModel):
    name: str
    groups: list[str]
    scopes: list[str]
    created_at: str
    revoked_at: str | None


class GrantRequest(_Request):
    source: str = Field(min_length=1, max_length=2000, description="A URI or an fnmatch pattern.")
    groups: list[str] = Field(max_length=100, description="Who may read it; []: every key.")


class GrantResult(BaseModel):
    changed: list[str]
    groups: list[str]


class CitationBody(BaseModel):
    source: str
    table: str
    key: str
    row: dict[str, Any]


class AnswerBody(BaseModel):
    answer: str
    route: Literal["lookup", "aggregate", "none"]
    citations: list[CitationBody]
    sql: str | None
    timings: dict[str, float]
    llm: str
    redacted: dict[str, int]
    cached: bool
    answer_id: str


class HitBody(BaseModel):
    source: str
    table: str
    key: str
    score: float
    row: dict[str, Any]


class CallerBody(BaseModel):
    name: str
    groups: list[str]
    scopes: list[str]


class SourceBody(BaseModel):
    source: str
    groups: list[str]
    tables: int
    rows: int
    updated_at: Any


class SynthResult(BaseModel):
    rows: list[dict[str, Any]]
    summary: dict[str, Any]


class JobCreated(BaseModel):
    job_id: str


class JobBody(BaseModel):
    job_id: str
    state: Literal["queued", "running", "done", "failed"]
    source: str
    progress: dict[str, int] = Field(description="Rows read so far, by table.")
    counts: dict[str, int] | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    created_at: str
    finished_at: str | None = None


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
