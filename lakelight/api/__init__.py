"""The HTTP API: ``create_app`` builds the FastAPI app over one Workspace; ``lakelight serve``
runs it under uvicorn."""

from lakelight.api.app import create_app

__all__ = ["create_app"]
