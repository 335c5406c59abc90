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
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from fmd_parsers import FmdError
from lca_engine.compliance import ComplianceResult, SubstanceListError, update_dsl, update_svhc
from lca_engine.compliance import load_lists as load_substance_lists
from lca_engine.compliance import screen as screen_compliance
from lca_engine.db import DatabaseError, FileOutcome, PartView, ProductView
from lca_engine.db.queries import BomNode
from lca_engine.design_space import Exploration, SpaceError
from lca_engine.footprint import FootprintError, FootprintResult
from lca_engine.mapping import MappingError
from lca_engine.scenario import ScenarioError
from lca_engine.solver import SolverError
from lca_engine.variants import Comparison, VariantError
from lca_engine.workspace import NotInitialisedError, Workspace

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
STAGE_HEADERS = ("materials", "manufacturing", "distribution", "use", "end of life")

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
    err.print("[bold red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)  # keep "[kg]" literal
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
        except NotInitialisedError as exc:
            fail(as_json, EXIT_USAGE, str(exc), {"error": "not-initialised", "message": str(exc)})
        except (ScenarioError, MappingError, FootprintError, VariantError, LookupError,
                SpaceError, SolverError) as exc:
            message = exc.args[0] if isinstance(exc, LookupError) else str(exc)
            fail(as_json, EXIT_REJECTED, message,
                 {"error": type(exc).__name__, "message": message,
                  **({"gaps": exc.gaps} if hasattr(exc, "gaps") else {})})

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
    if outcome.clashes:
        extra += (f", [yellow]part number clash[/] on {', '.join(outcome.clashes)}: kept beside "
                  f"the declaration in force, not replacing it")
    return f"{outcome.status:<9} {Path(outcome.path).name} — {what}{extra}{flags}"


def _error_kwargs(error: dict[str, object]) -> dict[str, Any]:
    return {"message": error["message"], "path": error.get("file"), "line": error.get("line"),
            "field": error.get("field"), "part_number": error.get("part_number"),
            "material": error.get("material"), "code": error.get("error") or "invalid-input"}


@main.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--bom", "boms", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="BoM table (CSV/XLSX) linking parts to products; its FMD files are imported "
                   "(repeatable).")
@click.option("--lenient", is_flag=True,
              help="Keep declarations that fail validation, with data-quality flags.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes that parse and store files in parallel.")
@click.option("--decimal-separator", type=click.Choice(["auto", "point", "comma"]),
              default="auto", show_default=True,
              help="How the files write numbers. auto refuses an ambiguous '1,500' (1.5 or "
                   "1500?); point: '1,500' = 1500; comma: '1,500' = 1.5 and '1.500' = 1500.")
@json_option
@pass_context
def import_(ctx: Context, paths: tuple[str, ...], boms: tuple[str, ...], lenient: bool,
            workers: int, decimal_separator: str, as_json: bool) -> None:
    """Import FMD files or folders (IPC-1752A, IEC 62474) and product BoMs."""
    if not paths and not boms:
        raise click.UsageError("give FMD files or folders, or --bom FILE")
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)

        def progress(outcome: FileOutcome, total: int) -> None:
            bar.update(task, total=total, advance=1)
            # rejections always reach stderr; the routine lines only in human mode
            if not as_json or outcome.status == "rejected":
                bar.console.print(_outcome_line(outcome), markup=True, soft_wrap=True)

        report = ctx.workspace.database.import_paths(paths, bom=list(boms), lenient=lenient,
                                                     progress=progress, workers=workers,
                                                     decimal_separator=decimal_separator)
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; loopback only until login is configured.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--allow-remote", is_flag=True,
              help="Bind to a non-loopback address (refused while no login is configured).")
@click.option("--variants", "variant_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of variant YAML files listed in the design explorer (repeatable); "
                   "designs saved in the workbench go to <home>/variants/.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True)
@click.option("--home", "serve_home", type=click.Path(file_okay=False),
              help="Engine home to serve (same as the global --home).")
@click.option("--db", "serve_db", help="Database URL to serve (same as the global --db).")
@json_option
@pass_context
def serve(ctx: Context, host: str, port: int, allow_remote: bool,
          variant_dirs: tuple[Path, ...], log_level: str, serve_home: str | None,
          serve_db: str | None, as_json: bool) -> None:
    """Run the workbench: web pages and the JSON API (/api/, OpenAPI docs at /docs)."""
    import uvicorn

    from gscdm.portal import RemoteBindRefusedError, check_bind
    from gscdm.web import create_app
    from lca_engine.portal import Portal

    if serve_home is not None or serve_db is not None:
        # `gscdm serve --home DIR` reads as naturally as `gscdm --home DIR serve`
        ctx = Context(serve_home or ctx._home, serve_db or ctx._db_url)
    workspace = ctx.workspace
    try:
        check_bind(host, allow_remote=allow_remote, portal=Portal(workspace))
    except RemoteBindRefusedError as exc:
        raise click.UsageError(str(exc)) from None
    workspace.database.require_schema()
    workspace.activate_brightway()  # fail now, with the 'gscdm init' hint, not on a first page
    # with login configured and --allow-remote, the server answers to the name a proxy or a
    # remote user gives it; on loopback only to loopback names (DNS rebinding)
    app = create_app(workspace, variant_dirs=list(variant_dirs),
                     allowed_hosts=["*"] if allow_remote else None)
    shown = f"[{host}]" if ":" in host else host
    if as_json:
        emit({"url": f"http://{shown}:{port}/", "home": str(workspace.home.path)})
    err.print(f"workbench on http://{shown}:{port}/ (home {workspace.home.path}); Ctrl+C stops it",
              markup=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


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
    if view.manufacturer or view.manufacturing_site:
        out.print(f"manufacturer {view.manufacturer or '?'}, made at "
                  f"{view.manufacturing_site or '?'}", markup=False)
    if view.declared_categories:
        table = Table("list", "category", "id", "above threshold", "exemptions",
                      title="Declared substance categories (Class C / declaration for compliance)")
        for item in view.declared_categories:
            above = {True: "yes", False: "no", None: "?"}[item["above_threshold"]]
            table.add_row(item["list"] or "", item["category"] or "", item["category_id"] or "",
                          above, ", ".join(f"{e['identity']} ({e.get('list') or '?'})"
                                           for e in item["exemptions"]))
        out.print(table)
    table = Table("material / substance", "CAS", "mass", "ppm", "recycled")
    for mat in view.materials:
        recycled = f"{mat.recycled_share:.0%} {mat.recycled_kind}" if mat.recycled_kind else ""
        table.add_row(f"[bold]{mat.name}[/] ({mat.group or 'no group'})", "",
                      _grams(mat.mass_g), "", recycled)
        for sub in mat.substances:
            ppm = "" if sub.concentration_ppm is None else f"{sub.concentration_ppm:,.0f}"
            exempt = (" [exemption " + ", ".join(
                f"{e['identity']} ({e['list'] or e['authority'] or 'list not stated'})"
                for e in sub.exemption_details) + "]") if sub.exemption_details else ""
            # escaped: Rich would take "[exemption …]" for a markup tag and drop it
            table.add_row(f"  {escape(sub.name + exempt)}", sub.cas or "", _grams(sub.mass_g),
                          ppm, "")
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


def _print_footprint(result: FootprintResult) -> None:
    out = Console()
    total = result.total_kg_co2e
    out.print(f"[bold]{result.product}[/] {result.name or ''}: [bold]{total:,.1f} kg CO2e[/] "
              f"— {result.functional_unit}")
    table = Table("stage", "kg CO2e", "share")
    for stage, value in result.by_stage.items():
        table.add_row(stage, f"{value:,.2f}", f"{value / total:.1%}" if total else "")
    table.add_row("[bold]total[/]", f"[bold]{total:,.2f}[/]", "100%")
    out.print(table)
    ghg = result.ghg
    out.print(f"fossil {ghg['fossil']:,.2f} · biogenic {ghg['biogenic']:,.2f} · land use "
              f"{ghg['land_use']:,.2f} kg CO2e; biogenic carbon stored "
              f"{result.biogenic_carbon['biogenic_carbon_removals_kg_co2']:,.3f} kg CO2")
    parts = Table("part", "name", "kg CO2e", "share", title="Top parts (materials stage)")
    for part in result.by_part[:10]:
        name = part["name"] or ""
        parts.add_row(part["part_number"], (name if len(name) <= 48 else name[:47] + "…") +
                      (" [packaging]" if part["group"] == "packaging" else ""),
                      f"{part['kg_co2e']:,.2f}", f"{part['share']:.1%}")
    out.print(parts)
    if result.uncertainty:
        u = result.uncertainty
        out.print(f"Monte Carlo, {u.iterations} iterations (seed {u.seed}): P5 {u.p5:,.1f} · "
                  f"P50 {u.p50:,.1f} · P95 {u.p95:,.1f} kg CO2e (sd {u.std:,.1f})")
        out.print(f"  deterministic {result.total_kg_co2e:,.1f} (cited factors are lognormal "
                  f"medians) · P50 {u.p50:,.1f} · mean {u.mean:,.1f} kg CO2e; gases of one "
                  f"factor drawn {u.gases}", markup=False)
    if result.data_gaps:
        share = sum(g["share_of_product_mass"] for g in result.data_gaps)
        out.print(f"[red]{len(result.data_gaps)} data gap(s), {share:.2%} of the product mass[/]")
    out.print(f"[dim]proxy data: {result.proxy_share:.1%} of the materials stage; data "
              f"{result.provenance['data_version']}[/]")


@main.command()
@click.argument("product", required=False)
@click.option("--all", "all_products", is_flag=True,
              help="Every product in the database, by stage (fast adjoint path).")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scenario YAML overriding the product's defaults.")
@click.option("--iterations", type=click.IntRange(min=0), default=0,
              help="Monte Carlo iterations on the factor uncertainties (P5/P50/P95).")
@click.option("--seed", type=int, default=42, show_default=True, help="Monte Carlo seed.")
@click.option("--strict", is_flag=True, help="Fail on data gaps instead of listing them.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --all: processes that share the products.")
@json_option
@pass_context
def footprint(ctx: Context, product: str | None, all_products: bool, scenario: Path | None,
              iterations: int, seed: int, strict: bool, workers: int, as_json: bool) -> None:
    """Cradle-to-grave carbon footprint of a product, computed with Brightway."""
    if all_products == (product is not None):
        raise click.UsageError("give a PRODUCT or --all")
    if all_products:
        with Progress(TextColumn("footprints"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("footprints", total=None)
            batch = ctx.workspace.footprint_all(
                scenario=scenario, workers=workers,
                progress=lambda _p, total: bar.update(task, total=total, advance=1))
        if as_json:
            emit(batch.as_json())
            return
        table = Table(title=f"{len(batch.rows)} products, "
                            f"{batch.products_per_second:,.1f} products/s")
        table.add_column("product", no_wrap=True)
        for header in ("kg CO2e", *STAGE_HEADERS, "gaps"):
            table.add_column(header, justify="right")
        for row in batch.rows:
            table.add_row(row["product"], f"{row['total_kg_co2e']:,.2f}",
                          *[f"{v:,.2f}" for v in row["by_stage"].values()],
                          str(row["data_gaps"]))
        Console().print(table)
        return
    assert product is not None
    result = ctx.workspace.footprint(product, scenario=scenario, iterations=iterations,
                                     seed=seed, strict=strict)
    if as_json:
        emit(result.as_json())
    else:
        _print_footprint(result)


def _print_comparison(comparison: Comparison) -> None:
    out = Console()
    base = comparison.baseline_total
    table = Table("design", "kg CO2e", "Δ kg", "Δ %", *[s.replace("_", " ") for s in
                                                         comparison.baseline_by_stage],
                  title=f"{comparison.product}: baseline and variants ({comparison.method})")
    table.add_row("[bold]baseline[/]", f"{base:,.2f}", "", "",
                  *[f"{v:,.2f}" for v in comparison.baseline_by_stage.values()])
    for variant in comparison.variants:
        name = variant.name
        if variant.probability_lower is not None:
            name += f" (P(lower) {variant.probability_lower:.0%})"
        table.add_row(name, f"{variant.total_kg_co2e:,.2f}", f"{variant.delta_kg_co2e:+,.2f}",
                      f"{variant.delta_pct:+.1%}",
                      *[f"{d:+,.2f}" for d in variant.by_stage_delta.values()])
    out.print(table)
    for variant in comparison.variants:
        out.print(f"[bold]{variant.name}[/]: changes by contribution")
        for change in variant.changes:
            out.print(f"  {change['delta_kg_co2e']:+8.3f} kg  {change['description']}",
                      markup=False)


@main.command()
@click.argument("product")
@click.option("--variant", "variants", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Variant YAML (repeatable).")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scenario YAML for the baseline (variants apply on top).")
@click.option("--iterations", type=click.IntRange(min=0), default=0,
              help="Correlated Monte Carlo: probability that each variant is lower.")
@click.option("--seed", type=int, default=42, show_default=True)
@json_option
@pass_context
def compare(ctx: Context, product: str, variants: tuple[Path, ...], scenario: Path | None,
            iterations: int, seed: int, as_json: bool) -> None:
    """Compare design variants against the baseline: deltas by stage and by change."""
    comparison = ctx.workspace.compare(product, list(variants), scenario=scenario,
                                       iterations=iterations, seed=seed)
    if as_json:
        emit(comparison.as_json())
    else:
        _print_comparison(comparison)


@main.command()
@click.argument("product")
@click.option("--variant", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Variant YAML with a ${NAME} parameter.")
@click.option("--param", required=True, help="NAME=START:STOP:STEP, e.g. share=0:1:0.05")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="PNG plot of the sweep (default: none).")
@json_option
@pass_context
def sweep(ctx: Context, product: str, variant: Path, param: str, scenario: Path | None,
          output: Path | None, as_json: bool) -> None:
    """Sweep one variant parameter and print (and plot) the footprint at each value."""
    result = ctx.workspace.sweep(product, variant, param, scenario=scenario)
    if output is not None:
        from reports.sweep_plot import plot_sweep

        plot_sweep(result, output)
        err.print(f"plot written to {output}")
    if as_json:
        emit(result.as_json())
        return
    table = Table(result.param, "kg CO2e", "Δ vs baseline",
                  title=f"{result.product}: {len(result.points)} points in {result.seconds:.3f} s")
    for value, total, _ in result.points:
        table.add_row(f"{value:g}", f"{total:,.3f}", f"{total - result.baseline_total:+,.3f}")
    Console().print(table)


def _print_exploration(result: Exploration) -> None:
    out = Console()
    base = result.baseline["kg_co2e"]
    scope = "every design" if result.exhaustive else "a random sample"
    out.print(f"[bold]{result.product}[/]: {result.space}: {result.size:,} combinations, "
              f"{result.evaluated:,} evaluated ({scope}) in {result.evaluate_seconds:.3f} s "
              f"({result.designs_per_second:,.0f} designs/s); {result.feasible:,} feasible; "
              f"baseline {base:,.2f} kg CO2e, {result.baseline['mass_g']:,.0f} g")
    if result.interactions:
        out.print("interacting choices, compiled jointly: "
                  + ", ".join(f"{a} × {b}" for a, b in result.interactions), markup=False)
    has_p = any("probability_lower" in row for row in result.top)

    def table(title: str, rows: list[dict[str, Any]]) -> None:
        grid = Table("kg CO2e", "Δ %", "mass g", "cost", *(["P(lower)"] if has_p else []),
                     "choices", title=title)
        for row in rows:
            grid.add_row(f"{row['kg_co2e']:,.2f}", f"{row['delta_pct']:+.1%}",
                         f"{row['mass_g']:,.0f}", f"{row['cost']:,.2f}",
                         *([f"{row['probability_lower']:.0%}" if "probability_lower" in row
                            else ""] if has_p else []),
                         ", ".join(f"{k}={v}" for k, v in row["choices"].items()))
        out.print(grid)

    table(f"best {len(result.top)} by {result.objective}", result.top)
    table(f"Pareto front, carbon vs mass ({len(result.pareto_mass)} designs)",
          result.pareto_mass)
    if result.pareto_cost is not None:
        out.print(f"Pareto front, carbon vs cost: {len(result.pareto_cost)} designs "
                  "(--json lists them)")


@main.command()
@click.argument("product")
@click.option("--space", "space_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Design-space YAML: choices and their options.")
@click.option("--objective", default="kg_co2e", show_default=True,
              help="kg_co2e, mass_g, cost or stage.<name>, minimised.")
@click.option("--constraint", "constraints", multiple=True,
              help='e.g. "mass_g<=1400" (repeatable).')
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--iterations", type=click.IntRange(min=0), default=0,
              help="Shared-draw Monte Carlo on the reported designs: P(design < baseline).")
@click.option("--seed", type=int, default=42, show_default=True)
@json_option
@pass_context
def explore(ctx: Context, product: str, space_file: Path, objective: str,
            constraints: tuple[str, ...], top: int, scenario: Path | None, iterations: int,
            seed: int, as_json: bool) -> None:
    """Evaluate every design of a design space: the best designs and the Pareto fronts."""
    result = ctx.workspace.explore(product, space_file, scenario=scenario, objective=objective,
                                   constraints=list(constraints), top=top,
                                   iterations=iterations, seed=seed)
    if as_json:
        emit(result.as_json())
    else:
        _print_exploration(result)


@main.group()
def data() -> None:
    """The shipped background factors, with their sources and uncertainties."""


@data.command(name="list")
@click.option("--category", help="Only this category (metal, plastic, electricity, …).")
@json_option
def data_list(category: str | None, as_json: bool) -> None:
    """List every background factor: key, value per unit, geography, year, source."""
    from lca_engine.background import data_version, factors_document, load_factors

    if as_json:
        emit(factors_document(category))
        return
    factors = [f for f in load_factors() if category is None or f.category == category]
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


@data.command(name="import-ecospold")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--name", "database_name", required=True,
              help="Brightway database to create, e.g. ecoinvent-3.9.1-cutoff; mapping rules "
                   "then name its activities as '<name>::<code>'.")
@click.option("--replace", is_flag=True, help="Replace an existing database of that name.")
@json_option
@pass_context
def data_import_ecospold(ctx: Context, directory: Path, database_name: str, replace: bool,
                         as_json: bool) -> None:
    """Import your own EcoSpold 2 data (e.g. a licensed ecoinvent 3.9 'datasets' folder).

    Every exchange must link (biosphere flows to the ecoinvent 3.9 elementary flows, inputs to
    datasets of the same folder), otherwise nothing is written and the exit code is 1.
    """
    from lca_engine.brightway_project import BrightwayProjectError
    from lca_engine.byo_data import UserDatabaseError, import_ecospold

    try:
        report = import_ecospold(ctx.workspace.home, directory, database_name, replace=replace,
                                 progress=lambda line: err.print(line, markup=False))
    except (UserDatabaseError, BrightwayProjectError) as exc:
        fail(as_json, EXIT_USAGE, str(exc), {"error": "usage", "message": str(exc)})
        return
    if as_json:
        emit(report.as_json())
        return
    verb = "replaced" if report.replaced else "created"
    err.print(f"{verb} database {report.database!r}: {report.activities} activities, "
              f"{report.exchanges} exchanges, all linked, in {report.seconds:.2f} s",
              markup=False)


def _print_compliance(result: ComplianceResult) -> None:
    out = Console()
    colour = {"compliant": "green", "non-compliant": "red"}.get(result.status, "yellow")
    out.print(f"[bold]{result.product}[/] {result.name or ''} — [bold {colour}]"
              f"{result.status.upper()}[/] (screened {result.screened_on.isoformat()}, EU RoHS "
              f"category {result.rohs_category})")
    if result.findings:
        table = Table("part", "material / article", "substance", "CAS", "ppm", "limit",
                      "regulation", "outcome", "exemption", title="Findings")
        for f in result.findings:
            exemption = f"{f.exemption} (to {f.exemption_expires})" if f.exemption_expires \
                else (f.exemption or "")
            if f.exemption and f.exemption_list:
                exemption += f" [{f.exemption_list}]"
            if f.candidate_exemptions:
                exemption += "candidates: " + ", ".join(
                    f"{c['id']} (to {c['expires'] or '?'})" for c in f.candidate_exemptions)
            table.add_row(f.part_number, f.material if f.basis != "article" else
                          f"article {f.article}", f.substance, f.cas or "",
                          f"{f.concentration_ppm:,.0f}", f"{f.limit_ppm:,.0f}", f.regulation,
                          f.outcome, exemption)
        out.print(table)
    for f in result.findings:
        if f.outcome in {"restricted", "needs review"} and f.note:
            err.print(f"{f.part_number} / {f.material}: {f.note}", markup=False, soft_wrap=True)
    for gap in result.gaps:
        where = " / ".join(x for x in (gap.part_number, gap.material, gap.substance) if x)
        out.print(f"[yellow]data gap[/] {where}: {gap.reason}", markup=True)
    for item in result.unresolved:
        out.print(f"[yellow]unidentified[/] {item.part_number} / {item.material} / "
                  f"{item.substance}: {item.reason}", markup=True)
    if result.china_rohs_table:
        headers = [h.get("en", h["key"]) for h in result.china_rohs_headers]
        table = Table("part", *headers,
                      title=f"China RoHS hazardous-substance table ({result.china_rohs_standard})")
        for row in result.china_rohs_table:
            table.add_row(row.part_number, *(row.marks.get(h, "?") for h in headers))
        out.print(table)
    for line in result.summary()["obligations"] + result.notes:
        err.print(f"note: {line}", markup=False, soft_wrap=True)


def _screen_all(ctx: Context, on: Any, rohs_category: int | None, as_json: bool) -> None:
    lists = load_substance_lists(ctx.workspace.home.path)  # read once for every product
    results = [screen_compliance(ctx.workspace.database, p.product_number, lists=lists, on=on,
                                 rohs_category=rohs_category)
               for p in ctx.workspace.database.products()]
    if as_json:
        emit({"products": [r.as_json() for r in results]})
        return
    table = Table(title="Compliance of every product")
    table.add_column("product", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for header in ("restricted", "exempt", "declarable", "gaps", "unidentified"):
        table.add_column(header, justify="right")
    for r in results:
        outcomes = [f.outcome for f in r.findings]
        colour = {"compliant": "green", "non-compliant": "red"}.get(r.status, "yellow")
        table.add_row(r.product, f"[{colour}]{r.status}[/]",
                      str(outcomes.count("restricted")), str(outcomes.count("exempt")),
                      str(outcomes.count("declarable")), str(len(r.gaps)),
                      str(len(r.unresolved)))
    Console().print(table)


@main.command()
@click.argument("product", required=False)
@click.option("--all", "all_products", is_flag=True,
              help="Screen every product in the database and print one status line each.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the findings, data gaps and unidentified substances to a CSV file.")
@click.option("--date", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Screening date (exemption expiry, China RoHS edition); default today.")
@click.option("--rohs-category", type=click.IntRange(1, 11), default=None,
              help="EU RoHS Annex I category of the product (default 3, IT equipment).")
@json_option
@pass_context
def compliance(ctx: Context, product: str | None, all_products: bool, csv_path: Path | None,
               on_date: Any, rohs_category: int | None, as_json: bool) -> None:
    """Screen a product's (or a part's) FMD data: EU RoHS, REACH SVHC, IEC 62474, China RoHS."""
    if (product is None) == (not all_products) or (all_products and csv_path is not None):
        raise click.UsageError("give one PRODUCT (optionally --csv FILE), or --all")
    on = on_date.date() if on_date else None
    try:
        if all_products:
            _screen_all(ctx, on, rohs_category, as_json)
            return
        assert product is not None
        result = screen_compliance(ctx.workspace.database, product, home=ctx.workspace.home.path,
                                   on=on, rohs_category=rohs_category)
    except KeyError:
        fail(as_json, EXIT_REJECTED, f"no product or part {product!r} in the database",
             {"error": "not-found", "message": f"no product or part {product!r}"})
        return
    except SubstanceListError as exc:
        fail(as_json, EXIT_REJECTED, str(exc), exc.as_dict())
        return
    if csv_path is not None:
        result.write_csv(csv_path)
        err.print(f"wrote {csv_path}", markup=False)
    if as_json:
        emit(result.as_json())
        return
    _print_compliance(result)


@data.command(name="update-svhc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date", "list_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date of the list, if not the latest date of inclusion in the file.")
@click.option("--force", is_flag=True, help="Load it even if it is older than the list in use.")
@json_option
@pass_context
def data_update_svhc(ctx: Context, file: Path, list_date: Any, force: bool,
                     as_json: bool) -> None:
    """Load a newer REACH Candidate List from ECHA's export (CSV or XLSX) into the engine home."""
    _update_list(as_json, lambda: update_svhc(
        ctx.workspace.home.path, file, list_date=list_date.date() if list_date else None,
        force=force), lambda report: (
        f"REACH Candidate List of {report.list_date.isoformat()}: {report.entries} entries "
        f"(was {report.previous_entries}, {report.previous_date}) → {report.written}"))


def _update_list(as_json: bool, load: Callable[[], Any], summary: Callable[[Any], str]) -> None:
    """Run a substance-list update: its warnings on stderr, then its report or summary line."""
    try:
        report = load()
    except SubstanceListError as exc:
        fail(as_json, EXIT_REJECTED, str(exc), exc.as_dict())
        return
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if as_json:
        emit(report.as_json())
        return
    err.print(summary(report), markup=False)


@data.command(name="update-dsl")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "dsl_version", metavar="DNN.NN",
              help="DSL version (e.g. D29.00), if the export's title rows and name give none.")
@click.option("--date", "list_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date of the list, if not the latest 'last revised' date in the file.")
@click.option("--force", is_flag=True, help="Load it even if it is older than the list in use.")
@json_option
@pass_context
def data_update_dsl(ctx: Context, file: Path, dsl_version: str | None, list_date: Any,
                    force: bool, as_json: bool) -> None:
    """Load the IEC 62474 Declarable Substance List from the IEC database export (CSV or XLSX)."""
    _update_list(as_json, lambda: update_dsl(
        ctx.workspace.home.path, file, version=dsl_version,
        list_date=list_date.date() if list_date else None, force=force), lambda report: (
        f"IEC 62474 DSL {report.version}: {report.entries} entries (was "
        f"{report.previous_version}, {report.previous_entries} entries) → {report.written}"))


_REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json",
                    ".xlsx": "xlsx"}


@main.command()
@click.argument("product")
@click.option("--kind", required=True,
              type=click.Choice(["cfp", "neutrality", "datasheet", "pact", "compliance"]),
              help="cfp: ISO 14067 study report; neutrality: ISO 14068-1 declaration; datasheet: "
                   "one-page PCF sheet; pact: PACT ProductFootprint; compliance: substances.")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "json", "xlsx"]),
              help="Output format (default: from the suffix of -o; with several -o, each "
                   "file's suffix).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the fixed texts and number formats.")
@click.option("-o", "--output", "outputs", required=True, multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="File to write; repeat it to write several formats from one calculation.")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scenario YAML overriding the product's defaults.")
@click.option("--iterations", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Monte Carlo iterations (P5/P50/P95; 0 = none).")
@click.option("--seed", type=int, default=42, show_default=True, help="Monte Carlo seed.")
@click.option("--date", "report_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Report date (default: SOURCE_DATE_EPOCH, else today); also the compliance "
                   "screening date. Give it for byte-identical JSON on another day.")
@click.option("--info", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML with organisation, product ids / CPC and study details.")
@click.option("--plan", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="neutrality: declaration, commitment, baseline, reductions and targets (YAML).")
@click.option("--credits", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="neutrality: retired carbon credits (CSV or YAML).")
@click.option("--standard", type=click.Choice(["iso14068", "cn-group"]), default="iso14068",
              show_default=True, help="neutrality: ISO 14068-1:2023 or 产品碳中和实施通则.")
@click.option("--market", type=click.Choice(["general", "eu-consumer"]), default="general",
              show_default=True,
              help="neutrality: eu-consumer prints no offset-based claim (Directive (EU) "
                   "2024/825).")
@click.option("--basis", type=click.Choice(["mean", "p95"]), default="p95", show_default=True,
              help="neutrality: footprint per unit the credits must cover.")
@click.option("--no-sensitivity", is_flag=True, help="cfp: skip the sensitivity re-runs.")
@click.option("--pact-version", type=click.Choice(["3.0", "2.3"]), default="3.0",
              show_default=True,
              help="pact: Technical Specifications 3.0 (per piece) or 2.3 (per kilogram, for "
                   "partners still on v2).")
@json_option
@pass_context
def report(ctx: Context, product: str, kind: str, fmt: str | None, lang: str,
           outputs: tuple[Path, ...],
           scenario: Path | None, iterations: int, seed: int, report_date: Any,
           info: Path | None, plan: Path | None, credits: Path | None, standard: str,
           market: str, basis: str, no_sensitivity: bool, pact_version: str,
           as_json: bool) -> None:
    """Write a certification report of a product (HTML, PDF, JSON or XLSX; English or Chinese)."""
    from reports import (
        EnvironmentMissingError,
        ReportError,
        ReportRequest,
        ReportUsageError,
        build_report,
        write_report,
    )

    if fmt is not None and len(outputs) > 1:
        raise click.UsageError("--format goes with a single -o; with several, each file's "
                               "suffix names its format")
    targets = []
    for output in outputs:
        target_fmt = fmt or _REPORT_SUFFIXES.get(output.suffix.lower())
        if target_fmt is None:
            raise click.UsageError(f"cannot tell the format from {output.name!r}: give --format")
        targets.append((output, target_fmt))
    request = ReportRequest(
        product=product, kind=kind, lang=lang,
        report_date=report_date.date() if report_date else None, scenario=scenario,
        iterations=iterations, seed=seed, info=info, plan=plan, credits=credits,
        standard=standard, market=market, basis=basis, sensitivity=not no_sensitivity,
        pact_version=pact_version)
    try:
        if lang == "zh" and any(f == "pdf" for _, f in targets):
            from reports.render import require_cjk_font

            require_cjk_font()  # fail before the calculation, not after it
        built = build_report(ctx.workspace, request)
        written = [write_report(ctx.workspace, request, f, path, report=built)
                   for path, f in targets]
    except ReportUsageError as exc:
        raise click.UsageError(str(exc)) from None
    except ReportError as exc:
        fail(as_json, EXIT_REJECTED, str(exc), exc.as_dict())
        return
    except EnvironmentMissingError as exc:
        fail(as_json, EXIT_USAGE, str(exc), {"error": "environment", "message": str(exc)})
        return
    for warning in built.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if as_json:
        emit({**written[0].as_json(), "outputs": [w.as_json() for w in written]})
        return
    for item in written:
        err.print(f"wrote {item.path} ({kind}, {item.format}, {lang}, {item.bytes:,} bytes)"
                  + (f"; serials recorded in {item.ledger}" if item.ledger else ""),
                  markup=False)


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Folder for footprints and reports.")
@click.option("--iterations", type=click.IntRange(min=0), default=1000, show_default=True)
@json_option
@pass_context
def demo(ctx: Context, output: Path, iterations: int, as_json: bool) -> None:
    """The whole pipeline on bom_samples: import, compliance, footprints, variants, reports."""
    from reports.demo import run_demo

    result = run_demo(ctx.workspace, output, iterations=iterations,
                      progress=lambda text: err.print(f"· {text}", markup=False))
    if as_json:
        emit(result.as_json())
        return
    out = Console()
    for screening in result.compliance:
        out.print(f"compliance {screening.product}: {screening.status}", markup=False)
    for footprint in result.footprints:
        _print_footprint(footprint)
    if result.comparison is not None:
        _print_comparison(result.comparison)
    for skipped in result.skipped:
        err.print(f"skipped {skipped}", markup=False)
    err.print(f"{len(result.reports)} reports and {len(result.footprints)} footprints written "
              f"to {output}", markup=False)


# Supplier portal: `gscdm users …` and `gscdm portal …` (gscdm/portal_cli.py).
from gscdm.portal_cli import register as register_portal_commands  # noqa: E402

register_portal_commands(main)
# -- PACT exchange: supplier footprints in, published footprints and the host's clients out ----

@main.command(name="import-pcf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--part", "part_number", metavar="PART",
              help="The part the footprint stands for (one footprint per piece or per kg): its "
                   "modelled cradle-to-gate inventory is replaced by the supplier's PCF.")
@json_option
@pass_context
def import_pcf(ctx: Context, file: Path, part_number: str | None, as_json: bool) -> None:
    """Store supplier PACT footprints (v3.0 or v2.3 JSON: one, a list, or a {"data": …} response).

    Each is validated against the schema of its specVersion; unknown keys are refused. One bad
    footprint rejects the file (exit 1) and nothing is stored. Without --part, a mapping rule can
    name a footprint as dataset "gscdm-supplier-pcf::<id>".
    """
    from lca_engine.pact.supplier import SupplierPcfError
    from reports.pact import validate_document

    try:
        result = ctx.workspace.import_pcf(file, validate_document, part_number=part_number)
    except SupplierPcfError as exc:
        fail(as_json, EXIT_REJECTED, str(exc), {"error": "pcf-rejected", "message": str(exc)})
        return
    if as_json:
        emit(result.as_json())
        return
    for pcf in result.footprints:
        target = f"part {pcf.part_number}" if pcf.part_number else "mapping rules"
        err.print(f"imported {pcf.id} ({pcf.company_name}, PACT {pcf.spec_version}): "
                  f"{pcf.per_unit_kg_co2e:g} kg CO2e per {pcf.declared_unit}, for {target}",
                  markup=False)
    for old in result.replaced:
        err.print(f"{old} no longer stands for part {part_number} (kept for mapping rules)",
                  markup=False)


@main.group()
def pact() -> None:
    """PACT v3 host system: the footprints customers fetch and the clients allowed to."""


@pact.group(name="clients")
def pact_clients() -> None:
    """OAuth 2.0 clients of the PACT host API (client credentials; secrets stored hashed)."""


@pact_clients.command(name="add")
@click.argument("name")
@json_option
@pass_context
def pact_clients_add(ctx: Context, name: str, as_json: bool) -> None:
    """Register a client; its secret is printed once and stored only as a hash."""
    credentials = ctx.workspace.pact_host().add_client(name)
    if as_json:
        emit(credentials.as_json())
        return
    Console().print(f"client_id:     {credentials.client_id}\n"
                    f"client_secret: {credentials.client_secret}", markup=False)
    err.print("the secret is shown only now: store it with the customer's system", markup=False)


@pact_clients.command(name="list")
@json_option
@pass_context
def pact_clients_list(ctx: Context, as_json: bool) -> None:
    """The registered clients (never their secrets)."""
    clients = ctx.workspace.pact_host().clients()
    if as_json:
        emit({"clients": clients})
        return
    table = Table("client_id", "name", "created", "revoked")
    for client in clients:
        table.add_row(client["client_id"], client["name"], client["created_at"],
                      client["revoked_at"] or "")
    Console().print(table)


@pact_clients.command(name="revoke")
@click.argument("client_id")
@json_option
@pass_context
def pact_clients_revoke(ctx: Context, client_id: str, as_json: bool) -> None:
    """Revoke a client: its tokens stop working at once."""
    ctx.workspace.pact_host().revoke_client(client_id)
    if as_json:
        emit({"client_id": client_id, "revoked": True})
        return
    err.print(f"revoked {client_id}", markup=False)


@pact.command(name="publish")
@click.argument("product")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scenario YAML overriding the product's defaults.")
@click.option("--info", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML with organisation, product ids / CPC and study details.")
@click.option("--date", "report_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date of the footprint's validity start (default: today).")
@json_option
@pass_context
def pact_publish(ctx: Context, product: str, scenario: Path | None, info: Path | None,
                 report_date: Any, as_json: bool) -> None:
    """Publish the product's current PACT v3.0 footprint to the host API.

    A changed footprint gets a new id whose precedingPfIds name the earlier versions; the
    previous one is marked Deprecated. Publishing an unchanged footprint changes nothing.
    """
    from reports import ReportError
    from reports.pact import publish

    try:
        outcome = publish(ctx.workspace, product, scenario=scenario, info=info,
                          report_date=report_date.date() if report_date else None)
    except ReportError as exc:
        fail(as_json, EXIT_REJECTED, str(exc), exc.as_dict())
        return
    if as_json:
        emit(outcome.as_json())
        return
    if not outcome.published:
        err.print(f"{product}: unchanged; {outcome.id} stays the active footprint", markup=False)
        return
    err.print(f"{product}: published {outcome.id}"
              + (f"; {outcome.deprecated} deprecated" if outcome.deprecated else ""),
              markup=False)


# --- screening estimates and benchmarks ----------------------------------------------------


def _screening_errors(func: F) -> F:
    """Rejected screening inputs and malformed screening data exit 1 with the field named."""

    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
        from lca_engine.screening import EstimateInputError, ScreeningDataError
        from lca_engine.screening.sheets import SheetFileError

        try:
            return func(*args, as_json=as_json, **kwargs)
        except EstimateInputError as exc:
            fail(as_json, EXIT_REJECTED, str(exc),
                 {"error": "invalid-input", "field": exc.field, "message": str(exc)})
        except (ScreeningDataError, SheetFileError) as exc:
            fail(as_json, EXIT_REJECTED, str(exc), {"error": type(exc).__name__,
                                                    "message": str(exc)})

    return wrapper  # type: ignore[return-value]


def _print_estimate(doc: dict[str, Any]) -> None:
    use = doc["stages"]["use"]
    out = Console()
    out.print(f"[bold]{doc['category']}[/]: {doc['kg_co2e']:.0f} kg CO2e "
              f"(P10 {doc['p10']:.0f} – P90 {doc['p90']:.0f})")
    out.print(f"  embodied {doc['by_stage']['embodied']:.0f} kg (P10 "
              f"{doc['stages']['embodied']['p10']:.0f} – P90 "
              f"{doc['stages']['embodied']['p90']:.0f}), learnt from published sheets")
    out.print(f"  use      {use['kg_co2e']:.0f} kg = {use['arithmetic']}; TEC {use['tec_basis']}",
              markup=False)
    model = doc["model"]
    out.print(f"  model {model['name']} {model['version']}, {model['n']} sheets; "
              f"{model['attribution']}", markup=False)
    for note in doc["notes"]:
        out.print(f"  note: {note}", markup=False)


@main.group(invoke_without_command=True)
@click.option("--category", help="laptop, monitor or desktop.")
@click.option("--screen-in", type=float, help="Screen diagonal in inches.")
@click.option("--weight-kg", type=float, help="Device weight without box and adapter.")
@click.option("--year", type=int, help="Year of the product (its sheet's report year).")
@click.option("--lifetime-years", type=float, help="Years of use.")
@click.option("--use-region", help="Where it is used: EU, US, WW, CN, DE, … (an engine grid).")
@click.option("--maker", help="Manufacturer (makers with enough sheets have their own level).")
@click.option("--memory-gb", type=float, help="Memory (recorded; no training sheet gives it).")
@click.option("--ssd-gb", type=float, help="Storage (recorded; no training sheet gives it).")
@click.option("--tec-kwh", type=float, help="Yearly energy (TEC, kWh); estimated when not given.")
@click.option("--from-csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="One product a row (category, screen_size, weight, year, lifetime, "
                   "use_location, manufacturer, memory_gb, ssd_gb, yearly_tec).")
@json_option
@_screening_errors
@pass_context
@click.pass_context
def estimate(click_ctx: click.Context, ctx: Context, from_csv: Path | None, as_json: bool,
             **values: Any) -> None:
    """Screening estimate (P10/P50/P90) of a product's footprint from its attributes."""
    if click_ctx.invoked_subcommand is not None:
        return
    from lca_engine.screening.inputs import CLI_OPTIONS, EstimateInputError

    given = {k: v for k, v in values.items() if v is not None}
    if from_csv is not None:
        if given:
            raise click.UsageError("--from-csv takes no other product options")
        rows = ctx.workspace.estimate_batch(from_csv)
        if as_json:
            emit({"estimates": rows})
        else:
            for row in rows:
                if "error" in row:
                    err.print(f"line {row['line']}: {row['error']}", markup=False)
                else:
                    _print_estimate(row)
        return
    try:
        result = ctx.workspace.estimate(given).as_json()
    except EstimateInputError as exc:
        raise EstimateInputError(CLI_OPTIONS.get(exc.field, exc.field),
                                 str(exc).split(": ", 1)[1]) from None
    if as_json:
        emit(result)
    else:
        _print_estimate(result)


@estimate.command(name="refit")
@click.option("--csv", "csv_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Published PCF sheets in the columns of Boavizta's boavizta-data-us.csv.")
@click.option("--description", help="What the file is (recorded as the model's training data).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for model.json and comparables.csv (default: <home>/screening, "
                   "which then wins over the shipped fit).")
@click.option("--no-validate", is_flag=True, help="Skip the nested cross-validation.")
@json_option
@_screening_errors
@pass_context
def estimate_refit(ctx: Context, csv_path: Path, description: str | None,
                   out_dir: Path | None, no_validate: bool, as_json: bool) -> None:
    """Refit the screening model and the comparables table on a newer copy of the published
    sheets or on your own."""
    result = ctx.workspace.refit_screening(csv_path, description=description, out_dir=out_dir,
                                           validate=not no_validate)
    summary = result.summary()
    if as_json:
        emit(summary)
        return
    source = summary["training"]["source"]
    err.print(f"fitted {summary['model']['version']} on {source['used']} of {source['rows']} "
              f"rows ({source['used_by_category']}); skipped {source['skipped']}", markup=False)
    for category, metrics in summary["validation"].items():
        err.print(f"{category}: MAPE {metrics['total']['mape_p50_pct']} %, P10–P90 coverage "
                  f"{metrics['total']['coverage_p10_p90_pct']} % (total, grouped CV)",
                  markup=False)


@main.command(name="benchmark")
@click.argument("product")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scenario override; the comparison is harmonised to it.")
@click.option("--category", help="Overrides attributes.yaml next to the BoM.")
@click.option("--screen-in", type=float, help="Overrides attributes.yaml.")
@click.option("--year", type=int, help="Overrides attributes.yaml (default: this year).")
@click.option("--maker", help="Overrides attributes.yaml.")
@json_option
@_screening_errors
@pass_context
def benchmark_(ctx: Context, product: str, scenario: Path | None, category: str | None,
               screen_in: float | None, year: int | None, maker: str | None,
               as_json: bool) -> None:
    """The product's footprint among the published sheets of comparable products."""
    result = ctx.workspace.benchmark(product, scenario=scenario,
                                     attributes={"category": category, "screen_in": screen_in,
                                                 "year": year, "maker": maker})
    if as_json:
        emit(result.as_json())
        return
    out = Console()
    out.print(f"[bold]{product}[/]: {result.product_kg_co2e:.1f} kg CO2e, percentile "
              f"{result.percentile:.0f} of {result.n} comparable published sheets "
              f"(P10 {result.p10:.0f}, median {result.median:.0f}, P90 {result.p90:.0f})")
    for line in result.explanation:
        out.print(f"  · {line}", markup=False)

if __name__ == "__main__":  # pragma: no cover
    main()
