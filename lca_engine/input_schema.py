"""Typed YAML inputs: pydantic v2 models that refuse unknown keys, with errors a user can act on.

Every YAML file a user hands the engine (scenario, variant, mapping overrides, neutrality
organisation and plan) is checked against a model derived from ``StrictModel``. A key the model
does not know is an error, never a silent default: ``lifetime_year: 9`` would otherwise leave
the default lifetime in place and print a footprint for the wrong product life. The message
names the file, the YAML line where it can be found, the key path (``factory.pv_shar``) and the
nearest valid key (``difflib``), e.g.::

    scenario.yaml:7: unknown key 'factory.pv_shar' (did you mean 'pv_share'?)

The models check structure and types only; each domain module still checks meaning (ranges,
sums, cross references) after validation, with its own messages. Domain schemas live beside
their concept (``scenario_schema.py``, ``variant_schema.py``, ``mapping.py``,
``reports/input_schemas.py``); this module is the shared machinery.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of every input schema: unknown keys are refused (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSchemaError(ValueError):
    """A YAML input does not fit its schema. ``problems`` holds one line per problem; the
    message is the first of them (the domain error classes wrap it)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1
                         else f"{problems[0]} (and {len(problems) - 1} more: "
                              + "; ".join(problems[1:]) + ")")
        self.problems = list(problems)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind ``X | None``, ``Annotated[X, ...]`` and the like."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(current: list[Any], step: int | str) -> list[Any]:
    """The types one key (or list index) below the types ``current``."""
    following: list[Any] = []
    for kind in current:
        for concrete in _unwrap(kind):
            origin = typing.get_origin(concrete)
            if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                field = _field_by_key(concrete, str(step))
                if field is not None:
                    following.append(field)
            elif origin in (dict, Mapping):
                following.append(typing.get_args(concrete)[1])
            elif origin in (list, tuple, Sequence) and isinstance(step, int):
                args = typing.get_args(concrete)
                if args:
                    following.append(args[0])
    return following


def _node_types(model: type[BaseModel], loc: Sequence[int | str]) -> list[Any]:
    """The types that may stand at ``loc`` inside ``model`` (for the keys valid there)."""
    current: list[Any] = [model]
    for step in loc:
        current = _step(current, step)
    return current


def _tag_matches(member: Any, step: str) -> bool:
    """Whether ``step`` is pydantic's tag of the union member ``member`` ('ConditionSpec',
    'list[ConditionSpec]', 'str', "literal['GWP100','GWP20']", 'function-after[...]')."""
    origin = typing.get_origin(member)
    if origin is typing.Literal:
        return step.startswith("literal[")
    if origin is not None:
        return step.startswith(f"{getattr(origin, '__name__', origin)}[")
    if step.startswith("function-"):
        return True
    return step == getattr(member, "__name__", None)


def file_loc(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[int | str, ...]:
    """``loc`` of a pydantic error without the union-member tags pydantic inserts, i.e. the
    key path as the file writes it; the tags are recognised against the model's own types (a
    file key such as cff's ``A`` is never taken for one)."""
    out: list[int | str] = []
    current: list[Any] = [model]
    for step in loc:
        members = [member for kind in current for member in _unwrap(kind)]
        if len(members) > 1 and isinstance(step, str):
            tagged = [member for member in members if _tag_matches(member, step)]
            if tagged:
                current = tagged
                continue
        out.append(step)
        current = _step(current, step)
    return tuple(out)


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def valid_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys a mapping at ``loc`` may hold (field aliases where set)."""
    keys: list[str] = []
    for kind in _node_types(model, loc):
        for concrete in _unwrap(kind):
            if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                keys.extend(info.alias or name for name, info in concrete.model_fields.items())
    return sorted(set(keys))


def key_path(loc: Sequence[int | str]) -> str:
    """``('distribution', 'legs', 0, 'mdoe')`` → ``distribution.legs[0].mdoe``."""
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def yaml_line(text: str | None, loc: Sequence[int | str]) -> int | None:
    """1-based line of the key (or item) at ``loc`` in the YAML ``text``, when it can be found."""
    if not text:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == str(step):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def describe_errors(model: type[BaseModel], error: ValidationError, source: str,
                    text: str | None = None, prefix: Sequence[int | str] = ()) -> list[str]:
    """One line per problem: where (file:line), which key path, what is wrong. Of the errors a
    union reports for each of its members, only those of the member that fits the input's
    shape best are kept (an error deeper inside a mapping beats 'should be a list')."""
    items = [(file_loc(model, item["loc"]), item) for item in error.errors(include_url=False)]
    locs = {loc for loc, _ in items}
    problems: list[tuple[int, str]] = []
    seen: set[tuple[int | str, ...]] = set()
    for loc, item in items:
        if item["type"] != "extra_forbidden" and any(
                len(other) > len(loc) and other[:len(loc)] == loc for other in locs):
            continue  # another union member got further into this value
        if item["type"] not in {"extra_forbidden", "missing"}:
            if loc in seen:
                continue  # one type complaint per key, not one per union member
            seen.add(loc)
        full = (*prefix, *loc)
        line = yaml_line(text, full)
        where = f"{source}:{line}" if line else source
        if item["type"] == "extra_forbidden":
            keys = valid_keys(model, loc[:-1])
            near = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.5)
            hint = (f"did you mean {near[0]!r}?" if near
                    else f"valid keys here: {', '.join(keys)}" if keys else "no keys allowed")
            problems.append((line or 0, f"{where}: unknown key {key_path(full)!r} ({hint})"))
        elif item["type"] == "missing":
            problems.append((line or 0, f"{where}: missing key {key_path(full)!r}"))
        else:
            shown = repr(item.get("input"))
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            problems.append((line or 0,
                             f"{where}: {key_path(full) or 'file'} = {shown}: {item['msg']}"))
    # by line; on one line an unknown key first: it is the likely cause of a missing one
    return [text for _, text in sorted(problems, key=lambda problem: (
        problem[0], "unknown key" not in problem[1]))]


def validate(model: type[ModelT], data: Any, source: str, text: str | None = None,
             prefix: Sequence[int | str] = ()) -> ModelT:
    """``data`` as ``model``; raises ``InputSchemaError`` naming file, line, key and the
    nearest valid key. ``prefix`` is the key path of ``data`` inside the file (a variant's
    ``changes[2].scenario``), ``text`` the file's YAML for line numbers."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputSchemaError(describe_errors(model, exc, source, text, prefix)) from None


def read_yaml_mapping(path: Path, what: str) -> tuple[dict[str, Any], str]:
    """A YAML file that must hold a mapping, with its text (for line numbers in errors).
    Raises ``InputSchemaError`` for unreadable files, bad YAML or a top level that is not a
    mapping; an empty file is an empty mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputSchemaError([f"{path}: cannot read the {what}: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise InputSchemaError([f"{path}: the {what} is not UTF-8 text ({exc.reason})"]) \
            from None
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputSchemaError([f"{where}: the {what} is not valid YAML: "
                                f"{getattr(exc, 'problem', None) or exc}"]) from None
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise InputSchemaError([f"{path}: the {what} must be a mapping of keys to values"])
    return content, text


__all__ = [
    "InputSchemaError",
    "StrictModel",
    "describe_errors",
    "key_path",
    "read_yaml_mapping",
    "valid_keys",
    "validate",
    "yaml_line",
]
