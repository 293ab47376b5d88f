"""The web page: static HTML, CSS and JavaScript served by the API at ``GET /`` (no build
step, nothing fetched from elsewhere). The page calls the same JSON API as every client, with
the API key the person pastes, kept in the tab's sessionStorage only."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"

__all__ = ["STATIC"]
