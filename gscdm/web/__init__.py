"""The workbench: a local web app and JSON API over ``lca_engine.workspace.Workspace``
(``gscdm serve``). ``create_app(workspace)`` builds the ASGI application."""

from .app import create_app

__all__ = ["create_app"]
