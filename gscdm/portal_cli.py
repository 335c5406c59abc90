"""``gscdm users …`` and ``gscdm portal …``: the supplier portal's accounts, assignments,
requests, coverage and audit log from the command line (thin over ``lca_engine.portal.Portal``).

Registered on the main group by ``register(main)``; this module does not import ``gscdm.cli``
so that either can be imported first.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from lca_engine.db import DatabaseError
from lca_engine.portal import ROLES, Portal, PortalError
from lca_engine.portal.requests import read_assignment_table

F = TypeVar("F", bound=Callable[..., Any])
EXIT_REJECTED, EXIT_USAGE = 1, 2
PASSWORD_ENV = "GSCDM_PASSWORD"


def _emit(document: Any) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _portal() -> Portal:
    workspace = click.get_current_context().find_root().obj.workspace
    workspace.database.require_schema()
    return Portal(workspace)


def _command(func: F) -> F:
    """``--json`` and the CLI's exit codes: 1 for rejected input, 2 for usage errors."""

    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
        try:
            return func(*args, as_json=as_json, **kwargs)
        except PortalError as exc:
            _fail(as_json, EXIT_REJECTED, exc.message, exc.as_dict())
        except DatabaseError as exc:
            _fail(as_json, EXIT_USAGE, str(exc), {"error": "database", "message": str(exc)})

    return wrapper  # type: ignore[return-value]


def _fail(as_json: bool, code: int, message: str, document: dict[str, Any]) -> None:
    click.echo(f"error: {message}", err=True)
    if as_json:
        _emit(document)
    sys.exit(code)


def _password(from_stdin: bool) -> str:
    """From stdin (first line), the GSCDM_PASSWORD variable, or a hidden prompt; never a
    default."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise click.UsageError(f"no password: use --password-stdin, set {PASSWORD_ENV}, or run "
                               "in a terminal to be prompted")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Portal accounts: admins, engineers and supplier users."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--supplier", "org", help="The supplier organisation (supplier accounts only).")
@click.option("--password-stdin", is_flag=True,
              help=f"Read the password from stdin (else ${PASSWORD_ENV}, else a prompt).")
@_command
def users_add(name: str, role: str, org: str | None, password_stdin: bool,
              as_json: bool) -> None:
    """Add a user. The first admin is created this way: there is no default account."""
    info = _portal().add_user(name, role, _password(password_stdin), supplier=org)
    if as_json:
        _emit(info.as_json())
    else:
        click.echo(f"added {info.name} ({info.role}"
                   f"{', ' + info.supplier if info.supplier else ''})", err=True)


@users.command("list")
@_command
def users_list(as_json: bool) -> None:
    """List users with role, organisation, tokens and state."""
    rows = _portal().users()
    if as_json:
        _emit({"users": [u.as_json() for u in rows]})
        return
    for u in rows:
        click.echo(f"{u.name:<24} {u.role:<9} {u.supplier or '-':<24} tokens={u.tokens} "
                   f"{'disabled' if u.disabled else 'active'}")


@users.command("disable")
@click.argument("name")
@_command
def users_disable(name: str, as_json: bool) -> None:
    """Disable a user: sessions end and tokens stop working at once."""
    _portal().disable_user(name)
    if as_json:
        _emit({"user": name, "disabled": True})
    else:
        click.echo(f"disabled {name}", err=True)


@users.command("token")
@click.argument("name")
@_command
def users_token(name: str, as_json: bool) -> None:
    """Issue an API token for NAME. It is printed once; only its hash is stored."""
    token = _portal().issue_token(name)
    if as_json:
        _emit({"user": name, "token": token})
    else:
        click.echo(token)
        click.echo("store it now: it is not shown again", err=True)


@click.group()
def portal() -> None:
    """The supplier portal: part assignments, declaration requests, coverage, audit log."""


@portal.command("assign")
@click.argument("pairs", nargs=-1)
@click.option("--csv", "table", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV with the columns part_number,supplier.")
@click.option("--supplier", "org", help="The organisation for the PART arguments.")
@_command
def portal_assign(pairs: tuple[str, ...], table: Path | None, org: str | None,
                  as_json: bool) -> None:
    """Assign parts to supplier organisations: PART… --supplier ORG, or --csv FILE."""
    assignments: list[tuple[str, str]] = []
    if table is not None:
        assignments.extend(read_assignment_table(table))
    if pairs:
        if not org:
            raise click.UsageError("give --supplier ORG for the part numbers")
        assignments.extend((part, org) for part in pairs)
    if not assignments:
        raise click.UsageError("give PART… --supplier ORG or --csv FILE")
    count = _portal().assign(assignments)
    if as_json:
        _emit({"assigned": count})
    else:
        click.echo(f"{count} part(s) assigned", err=True)


@portal.command("requests")
@click.argument("product")
@click.option("--due", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Create the requests, due on this date (without it: only show the plan).")
@_command
def portal_requests(product: str, due: Any, as_json: bool) -> None:
    """The parts of PRODUCT without a current declaration, by supplier; --due creates requests."""
    service = _portal()
    if due is None:
        plan = service.request_plan(product)
        if as_json:
            _emit(plan.as_json())
            return
        for org, parts in plan.by_supplier.items():
            click.echo(f"{org}: {', '.join(parts)}")
        if plan.unassigned:
            click.echo(f"unassigned: {', '.join(plan.unassigned)}")
        return
    created = service.create_requests(product, date(due.year, due.month, due.day))
    if as_json:
        _emit({"created": [r.as_json() for r in created]})
    else:
        click.echo(f"{len(created)} request(s) created", err=True)


@portal.command("coverage")
@click.argument("product")
@_command
def portal_coverage(product: str, as_json: bool) -> None:
    """Share of parts and of mass with a current valid declaration, overdue requests, findings."""
    coverage = _portal().coverage(product)
    if as_json:
        _emit(coverage.as_json())
        return
    click.echo(f"{coverage.product_number}: {coverage.parts_covered}/{coverage.parts_total} "
               f"parts ({coverage.share_parts:.1%}), {coverage.mass_covered_g:.1f}/"
               f"{coverage.mass_total_g:.1f} g ({coverage.share_mass:.1%}); "
               f"{len(coverage.overdue)} overdue request(s); {len(coverage.findings)} "
               "finding(s) for suppliers")


@portal.command("audit")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@_command
def portal_audit(limit: int, as_json: bool) -> None:
    """The newest entries of the append-only audit log."""
    entries = _portal().audit_log(limit=limit)
    if as_json:
        _emit({"entries": [e.as_json() for e in entries]})
        return
    for e in entries:
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor:<16} {e.action:<22} {e.subject or ''} "
                   f"{e.verdict or ''} {e.file_sha256 or ''}")


@portal.command("prune-uploads")
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), default=3600.0,
              show_default=True, help="Only files at least this many seconds old.")
@_command
def portal_prune_uploads(older_than: float, as_json: bool) -> None:
    """Delete archived upload files that no declaration refers to (left by a killed server)."""
    removed = _portal().prune_uploads(older_than_s=older_than)
    if as_json:
        _emit({"removed": [str(p) for p in removed]})
    else:
        click.echo(f"{len(removed)} orphaned file(s) removed", err=True)


def register(main: click.Group) -> None:
    main.add_command(users)
    main.add_command(portal)
