"""The web page's routes: ``GET /`` and its static files, with a Content-Security-Policy that
allows only the page's own scripts and styles (no inline script, nothing from elsewhere), and
headers that keep the page out of frames and its URLs out of referrers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from lakelight.generate.report_html import STYLE_HASH
from lakelight.web import STATIC

__all__ = ["REPORT_POLICY", "install_page"]

# the quality report is shown in a sandboxed frame that inherits the page's policy: its one
# inline style is allowed by hash, its plots are data: images
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; "
    f"style-src 'self' {STYLE_HASH}; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
REPORT_POLICY = (
    f"default-src 'none'; style-src {STYLE_HASH}; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)
_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

page_router = APIRouter(include_in_schema=False)


@page_router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


def install_page(app: FastAPI) -> None:
    """``GET /`` and ``/static/*``, each answered with the page's security headers."""
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def page_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        path = request.url.path
        if path == "/" or path.startswith("/static/"):
            response.headers.update(_HEADERS)
        return response
