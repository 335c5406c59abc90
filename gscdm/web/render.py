"""Pages: Jinja2 templates with the UI texts of ``reports/i18n/<lang>.yaml`` (``workbench.*``).

The language comes from ``?lang=en|zh`` (remembered in a cookie) or the cookie alone; English
otherwise. Numbers are formatted by the reports' ``Translator`` (Babel, CLDR), so a page and a
report of the same language write numbers the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from reports.i18n import LANGS, Translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
LANG_COOKIE = "gscdm_lang"


def request_lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "en"
    return lang if lang in LANGS else "en"


class PageTexts:
    """``t("products.heading")`` → the ``workbench.products.heading`` text of the language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.tr = Translator(lang)

    def __call__(self, key: str, **params: Any) -> Any:
        return self.tr.t(f"workbench.{key}", **params)


def render_page(request: Request, template: str, context: dict[str, Any], *,
                status_code: int = 200) -> HTMLResponse:
    lang = request_lang(request)
    texts = PageTexts(lang)
    response = TEMPLATES.TemplateResponse(request, template, {
        "t": texts, "tr": texts.tr, "lang": lang, "other_lang": "zh" if lang == "en" else "en",
        # the logged-in engineer or admin once login is configured (set by the portal's auth)
        "actor": getattr(request.state, "actor", None),
        **context}, status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", httponly=True)
    return response
