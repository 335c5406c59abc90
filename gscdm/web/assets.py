"""Static files, all served by this process (the workbench works offline: no CDN, no fonts or
scripts from the internet).

- ``/static/`` — the workbench's own stylesheet and scripts (``gscdm/web/static``);
- ``/static/vendor/plotly/plotly.min.js`` — the plotly.js bundle that the ``plotly`` Python
  package ships (its ``package_data``), so the version follows the installed package;
- ``/static/vendor/swagger-ui/`` — Swagger UI from the ``swagger-ui-bundle-v2`` package, for
  ``/docs``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")


class MissingAssetError(RuntimeError):
    """A front-end package is not installed (reinstall the project: ``make venv``)."""


def plotly_dir() -> Path:
    import plotly

    folder = Path(plotly.__file__).parent / "package_data"
    if not (folder / "plotly.min.js").is_file():
        raise MissingAssetError(f"plotly.min.js is missing from {folder}: reinstall plotly")
    return folder


def swagger_ui_dir() -> Path:
    import swagger_ui_bundle

    folder = Path(swagger_ui_bundle.swagger_ui_path)
    if not (folder / "swagger-ui-bundle.js").is_file():
        raise MissingAssetError(f"swagger-ui-bundle.js is missing from {folder}: reinstall "
                                "swagger-ui-bundle")
    return folder


def mount_assets(app: FastAPI) -> None:
    # the vendor mounts first: "/static" would otherwise take their paths
    app.mount("/static/vendor/plotly", StaticFiles(directory=plotly_dir()), name="plotly")
    app.mount("/static/vendor/swagger-ui", StaticFiles(directory=swagger_ui_dir()),
              name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
