"""Writers shared by every report kind: JSON, HTML (Jinja2), PDF (WeasyPrint), XLSX (openpyxl).

All four are made from the same ``Report``: the JSON is ``Report.data`` itself, and the HTML,
PDF and XLSX format the numbers of that document — so a number is the same in every format.
"""

from __future__ import annotations

import io
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .charts import CJK_HINT, cjk_font
from .i18n import Translator
from .model import EnvironmentMissingError, Report

TEMPLATES = Path(__file__).with_name("templates")


def render_json(report: Report) -> bytes:
    """Deterministic: insertion order, no timestamps beyond the report date (an input)."""
    text = json.dumps(report.data, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def font_family(lang: str) -> str:
    if lang == "zh":
        return ("'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', "
                "'DejaVu Sans', sans-serif")
    return "'DejaVu Sans', 'Noto Sans', 'Liberation Sans', Arial, sans-serif"


def _environment(tr: Translator) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.globals.update(t=tr.t, opt=tr.opt, num=tr.num, kg=tr.kg, sig=tr.sig, pct=tr.pct,
                       signed=tr.signed, signed_pct=tr.signed_pct, date=tr.date,
                       stage=tr.stage, region=tr.region, unit=tr.unit, has=tr.has, fu=tr.fu)
    env.filters["basename"] = lambda value: os.path.basename(str(value))
    return env


def render_html(report: Report, tr: Translator) -> str:
    env = _environment(tr)
    template = env.get_template(report.template)
    header = report.data.get("report") or report.context.get("header") or {}
    product = report.data.get("product") or report.context.get("product") or {}
    label = product.get("name") or ""
    number = product.get("product_number") or ""
    product_label = f"{label} ({number})" if label and number else (label or number)
    parts = [f"GSCDM-LCA {header.get('engine_version', '')}"]
    if header.get("data_version"):
        parts.append(f"{tr.t('common.data')} {header['data_version']}")
    parts.append(tr.date(header.get("report_date")))
    footer = " · ".join(parts)
    return template.render(
        d=report.data, x=report.context, lang=report.lang, title=report.title,
        engine_version=header.get("engine_version", ""),
        product_label=product_label, font_family=Markup(font_family(report.lang)),
        footer_left=footer.replace('"', "'"),
        charts={k: Markup(v) for k, v in report.charts.items()})


def require_cjk_font() -> str:
    found = cjk_font()
    if found is None:
        raise EnvironmentMissingError(
            "a Chinese PDF needs a CJK font and none is installed: " + CJK_HINT
            + " — then run the command again (HTML, JSON and XLSX work without it)")
    return found[0]


def render_pdf(report: Report, tr: Translator, html: str | None = None) -> bytes:
    if report.lang == "zh":
        require_cjk_font()
    from weasyprint import HTML

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    html = html if html is not None else render_html(report, tr)
    document = HTML(string=html, base_url=str(TEMPLATES))
    return bytes(document.write_pdf())


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def render_xlsx(report: Report, tr: Translator) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    about = workbook.active
    about.title = str(tr.t("xlsx.sheet.about"))[:31]
    header = report.data.get("report") or report.context.get("header") or {}
    product = report.data.get("product") or report.context.get("product") or {}
    rows = [[report.title], [],
            [str(tr.t("xlsx.product")), product.get("product_number")],
            [str(tr.t("xlsx.name")), product.get("name")],
            [str(tr.t("xlsx.standard")), header.get("standard")],
            [str(tr.t("xlsx.report_date")), header.get("report_date")],
            [str(tr.t("xlsx.engine_version")), header.get("engine_version")],
            [str(tr.t("xlsx.data_version")), header.get("data_version")],
            [], [str(tr.t("xlsx.about_note"))]]
    for row in rows:
        about.append(row)
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 60
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF2")
    for sheet in report.sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        ws.append(sheet.columns)
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
        for index, fmt in sheet.formats.items():
            letter = get_column_letter(index + 1)
            for cell in ws[letter][1:]:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
        for index, column in enumerate(sheet.columns, start=1):
            values = [column, *(row[index - 1] for row in sheet.rows[:200])]
            width = max(len(str(v)) if v is not None else 0 for v in values)
            ws.column_dimensions[get_column_letter(index)].width = max(8, min(width + 2, 60))
        ws.freeze_panes = "A2"
        if sheet.note:
            ws.append([])
            ws.append([sheet.note])
    stamp = datetime.fromisoformat(header.get("report_date", "2000-01-01"))
    workbook.properties.creator = f"GSCDM-LCA {header.get('engine_version', '')}"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.title = report.title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(report: Report, fmt: str, tr: Translator) -> bytes:
    if fmt == "json":
        return render_json(report)
    if fmt == "html":
        return render_html(report, tr).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report, tr)
    if fmt == "xlsx":
        return render_xlsx(report, tr)
    raise ValueError(f"unknown format {fmt!r}")


__all__ = ["render", "render_html", "render_json", "render_pdf", "render_xlsx",
           "require_cjk_font"]
