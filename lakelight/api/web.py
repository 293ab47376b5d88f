"""The web page's routes: ``GET /`` and its static files, with a Content-Security-Policy that
allows only the page's own scripts and styles (no inline script, nothing from elsewhere), and
headers that keep the page out of frames and its URLs out of referrers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class PageHeaders:
    """Plain ASGI middleware: the page's security headers on ``/`` and ``/static/*``."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in _HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != "/" and not path.startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": [*kept, *self.headers]}
            await send(message)

        await self.app(scope, receive, with_headers)


def install_page(app: FastAPI) -> None:
    """``GET /`` and ``/static/*``, each answered with the page's security headers."""
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PageHeaders)
