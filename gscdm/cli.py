"""``gscdm`` — the command line, a thin layer over ``lca_engine.Workspace``.

Contract (SPEC.md): ``--json`` prints exactly one JSON document on stdout; human messages and
progress go to stderr. Exit 0 = success, 1 = input rejected (message names file, line, field),
2 = usage error.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from fmd_parsers import FmdError
from lca_engine.db import DatabaseError, FileOutcome, PartView, ProductView
from lca_engine.db.queries import BomNode
from lca_engine.workspace import Workspace

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

err = Console(stderr=True, highlight=False)
F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Global options, resolved lazily so that ``--help`` never touches the disk."""

    def __init__(self, home: str | None, db_url: str | None) -> None:
        self._home = home
        self._db_url = db_url
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace.open(self._home, self._db_url)
        return self._workspace


def emit(document: Any) -> None:
    """Write the one JSON document of a ``--json`` run to stdout."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def fail(as_json: bool, code: int, message: str, document: dict[str, Any] | None = None) -> None:
    err.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    if as_json:
        emit(document or {"error": message})
    sys.exit(code)


def json_option(func: F) -> F:
    """Every command takes ``--json``; errors it raises become exit codes 1 (input) or 2."""

    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
        try:
            return func(*args, as_json=as_json, **kwargs)
        except FmdError as exc:
            fail(as_json, EXIT_REJECTED, str(exc), exc.as_dict())
        except DatabaseError as exc:
            fail(as_json, EXIT_USAGE, str(exc), {"error": "database", "message": str(exc)})

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", envvar="GSCDM_HOME", type=click.Path(file_okay=False),
              help="Engine home: default SQLite database and Brightway project "
                   "(env GSCDM_HOME; default: a per-user data directory).")
@click.option("--db", "db_url", envvar="GSCDM_DB_URL",
              help="Database URL, e.g. postgresql+psycopg://user@host/db (env GSCDM_DB_URL).")
@click.version_option(package_name="gscdm-lca")
@click.pass_context
def main(ctx: click.Context, home: str | None, db_url: str | None) -> None:
    """GSCDM-LCA: product carbon footprints for electronics from full material disclosures."""
    ctx.obj = Context(home, db_url)


pass_context = click.make_pass_decorator(Context)


@main.command()
@click.option("--rebuild", is_flag=True, help="Recreate the Brightway background database.")
@json_option
@pass_context
def init(ctx: Context, rebuild: bool, as_json: bool) -> None:
    """Create the database schema and the offline Brightway project (idempotent)."""
    report = ctx.workspace.init(rebuild=rebuild)
    if as_json:
        emit(report.as_json())
        return
    err.print(f"home      {report.home}")
    err.print(f"database  {report.database} (schema {report.schema_revision})")
    if report.brightway:
        bw = report.brightway
        state = "already set up" if bw.get("skipped") else "built"
        err.print(f"brightway project {bw.get('project', 'gscdm')}: {state}")
    err.print(f"ready in {report.seconds:.2f} s")


def _outcome_line(outcome: FileOutcome) -> str:
    if outcome.status == "rejected":
        assert outcome.error is not None
        return f"[red]rejected[/]  {FmdError(**_error_kwargs(outcome.error))}"
    what = (f"{len(outcome.products)} product(s)" if outcome.kind == "bom"
            else f"{', '.join(outcome.parts)}: {outcome.materials} materials, "
                 f"{outcome.substances} substances")
    extra = f", supersedes the previous declaration of {', '.join(outcome.superseded)}" \
        if outcome.superseded else ""
    flags = f", {outcome.flags} data-quality flag(s)" if outcome.flags else ""
    return f"{outcome.status:<9} {Path(outcome.path).name} — {what}{extra}{flags}"


def _error_kwargs(error: dict[str, object]) -> dict[str, Any]:
    return {"message": error["message"], "path": error.get("file"), "line": error.get("line"),
            "field": error.get("field"), "part_number": error.get("part_number"),
            "material": error.get("material"), "code": error.get("error") or "invalid-input"}


@main.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--bom", type=click.Path(exists=True, dir_okay=False),
              help="BoM table (CSV/XLSX) linking parts to products; its FMD files are imported.")
@click.option("--lenient", is_flag=True,
              help="Keep declarations that fail validation, with data-quality flags.")
@json_option
@pass_context
def import_(ctx: Context, paths: tuple[str, ...], bom: str | None, lenient: bool,
            as_json: bool) -> None:
    """Import FMD files or folders (IPC-1752A, IEC 62474) and a product BoM."""
    if not paths and bom is None:
        raise click.UsageError("give FMD files or folders, or --bom FILE")
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)

        def progress(outcome: FileOutcome, total: int) -> None:
            bar.update(task, total=total, advance=1)
            # rejections always reach stderr; the routine lines only in human mode
            if not as_json or outcome.status == "rejected":
                bar.console.print(_outcome_line(outcome), markup=True, soft_wrap=True)

        report = ctx.workspace.database.import_paths(paths, bom=bom, lenient=lenient,
                                                     progress=progress)
    if as_json:
        emit(report.as_dict())
    counts = report.counts()
    err.print(f"{counts['imported']} imported, {counts['unchanged']} unchanged, "
              f"{counts['rejected']} rejected")
    if report.rejected:
        sys.exit(EXIT_REJECTED)


@main.command()
@json_option
@pass_context
def products(ctx: Context, as_json: bool) -> None:
    """List the products in the database."""
    rows = ctx.workspace.database.products()
    if as_json:
        emit({"products": [r.as_json() for r in rows]})
        return
    table = Table("product", "name", "BoM lines", "declared", "BoM file")
    for r in rows:
        table.add_row(r.product_number, r.name or "", str(r.lines), str(r.declared_lines),
                      r.bom_file)
    Console().print(table)


def _grams(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f} g" if abs(value) >= 1 else f"{value:.4g} g"


def _add_nodes(tree: Tree, nodes: list[BomNode]) -> None:
    for node in nodes:
        if node.mass_source is None and node.children:
            source = " [dim](sum of its parts)[/]"
        else:
            source = {"fmd": "", "bom": " [dim](BoM mass)[/]",
                      None: " [red](no mass: data gap)[/]"}[node.mass_source]
        label = (f"{node.part_number} × {node.quantity:g}  {node.name or ''}  "
                 f"[bold]{_grams(node.unit_mass_g)}[/] each{source}")
        _add_nodes(tree.add(label), node.children)


def _print_product(view: ProductView) -> None:
    out = Console()
    tree = Tree(f"[bold]{view.product_number}[/] {view.name or ''} — {_grams(view.mass_g)}")
    _add_nodes(tree, view.tree)
    out.print(tree)
    table = Table("material", "group", "mass", "recycled", title="Materials of the product")
    for mat in view.materials[:25]:
        recycled = f"{mat.recycled_share:.0%} {mat.recycled_kind}" if mat.recycled_kind else ""
        table.add_row(mat.name, mat.group or "", _grams(mat.mass_g), recycled)
    out.print(table)
    if len(view.materials) > 25:
        out.print(f"… and {len(view.materials) - 25} more materials (use --json for all)")
    if view.gaps:
        out.print(f"[red]{len(view.gaps)} part(s) without mass:[/] "
                  + ", ".join(n.part_number for n in view.gaps))


def _print_part(view: PartView) -> None:
    out = Console()
    out.print(f"[bold]{view.part_number}[/] {view.name or ''} — {_grams(view.mass_g)} "
              f"(supplier {view.supplier or '?'}, {view.format}, "
              f"{view.declaration_date or 'undated'})")
    table = Table("material / substance", "CAS", "mass", "ppm", "recycled")
    for mat in view.materials:
        recycled = f"{mat.recycled_share:.0%} {mat.recycled_kind}" if mat.recycled_kind else ""
        table.add_row(f"[bold]{mat.name}[/] ({mat.group or 'no group'})", "",
                      _grams(mat.mass_g), "", recycled)
        for sub in mat.substances:
            ppm = "" if sub.concentration_ppm is None else f"{sub.concentration_ppm:,.0f}"
            exempt = f" [exemption {', '.join(sub.exemptions)}]" if sub.exemptions else ""
            table.add_row(f"  {sub.name}{exempt}", sub.cas or "", _grams(sub.mass_g), ppm, "")
    out.print(table)
    for flag in view.flags:
        out.print(f"[yellow]{flag.severity}[/] {flag.code}: {flag.message}")


@main.command()
@click.argument("key")
@json_option
@pass_context
def show(ctx: Context, key: str, as_json: bool) -> None:
    """Show a product's BoM tree or a part's materials and substances, with masses."""
    try:
        view = ctx.workspace.database.show(key)
    except KeyError:
        fail(as_json, EXIT_REJECTED, f"no product or part {key!r} in the database",
             {"error": "not-found", "message": f"no product or part {key!r}"})
        return
    if as_json:
        emit(view.as_json())
    elif isinstance(view, ProductView):
        _print_product(view)
    else:
        _print_part(view)


@main.group()
def data() -> None:
    """The shipped background factors, with their sources and uncertainties."""


@data.command(name="list")
@click.option("--category", help="Only this category (metal, plastic, electricity, …).")
@json_option
def data_list(category: str | None, as_json: bool) -> None:
    """List every background factor: key, value per unit, geography, year, source."""
    from lca_engine.background import data_version, load_factors

    factors = [f for f in load_factors() if category is None or f.category == category]
    if as_json:
        emit({"version": data_version(), "factors": [f.as_json() for f in factors]})
        return
    table = Table(title=f"gscdm-background {data_version()}: {len(factors)} factors")
    table.add_column("key", no_wrap=True)
    for column in ("kg CO2e", "per", "geo", "year", "±"):
        table.add_column(column, no_wrap=True)
    table.add_column("source", overflow="ellipsis", no_wrap=True)
    for f in factors:
        spread = f"GSD {f.gsd:g}" if f.gsd else f"{f.min:g}–{f.max:g}"
        table.add_row(f.key, f"{f.gwp100_kg_co2e:.4g}", f.unit, f.geography, str(f.year),
                      spread, f.source[:60])
    Console().print(table)


@data.command(name="show")
@click.argument("key")
@json_option
def data_show(key: str, as_json: bool) -> None:
    """Show one factor with every field: value, gas split, uncertainty, source, derivation."""
    from lca_engine.background import factor_index

    factor = factor_index().get(key)
    if factor is None:
        fail(as_json, EXIT_REJECTED, f"no background factor {key!r} (see 'gscdm data list')",
             {"error": "not-found", "message": f"no background factor {key!r}"})
        return
    if as_json:
        emit(factor.as_json())
        return
    out = Console()
    for name, value in factor.as_json().items():
        if value not in (None, ""):
            out.print(f"[bold]{name:<32}[/]{value}", soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    main()
