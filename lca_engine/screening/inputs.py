"""What a user gives for a screening estimate, validated with pydantic: one product from the
command line or the Python API, or one product a row from a CSV table (unknown columns are an
error; a bad row becomes an error naming its column, not a crash)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .config import settings
from .features import ProductAttributes
from .use_stage import resolve_region

#: CSV column -> field of EstimateInput (the columns of the published sheets where they exist)
CSV_COLUMNS: dict[str, str] = {
    "category": "category", "screen_size": "screen_in", "weight": "weight_kg", "year": "year",
    "lifetime": "lifetime_years", "use_location": "use_region", "manufacturer": "maker",
    "memory_gb": "memory_gb", "ssd_gb": "ssd_gb", "yearly_tec": "tec_kwh",
}
#: field -> the command-line option that sets it
CLI_OPTIONS: dict[str, str] = {
    "category": "--category", "screen_in": "--screen-in", "weight_kg": "--weight-kg",
    "year": "--year", "lifetime_years": "--lifetime-years", "use_region": "--use-region",
    "maker": "--maker", "memory_gb": "--memory-gb", "ssd_gb": "--ssd-gb", "tec_kwh": "--tec-kwh",
}


class EstimateInputError(ValueError):
    """An input was refused; ``field`` names it (a field, a CSV column or a CLI option)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class EstimateInput(BaseModel):
    """One product to estimate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    year: int = Field(ge=1990)
    lifetime_years: float = Field(gt=0, le=30)
    use_region: str
    screen_in: float | None = Field(default=None, gt=0, le=150)
    weight_kg: float | None = Field(default=None, gt=0, le=500)
    maker: str | None = None
    memory_gb: float | None = Field(default=None, gt=0)
    ssd_gb: float | None = Field(default=None, gt=0)
    tec_kwh: float | None = Field(default=None, ge=0, le=100_000)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        value = value.strip().lower()
        try:
            settings().category(value)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return value

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, value: int) -> int:
        latest = dt.date.today().year + 2
        if value > latest:
            raise ValueError(f"year {value} is in the future (latest accepted: {latest})")
        return value

    @field_validator("use_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return resolve_region(value)

    @model_validator(mode="after")
    def _required_for_category(self) -> EstimateInput:
        for name in settings().category(self.category).requires:
            if getattr(self, name) is None:
                raise ValueError(f"{name} is required for a {self.category}")
        return self

    def attributes(self) -> ProductAttributes:
        return ProductAttributes(category=self.category, year=self.year,
                                 screen_in=self.screen_in, weight_kg=self.weight_kg,
                                 maker=self.maker)


def _field_of(error: ErrorDetails, message: str) -> str:
    if error["loc"]:
        return str(error["loc"][0])
    # a model-level check: the message starts with the field it is about
    return message.split(" ", 1)[0]


def validate_input(values: dict[str, Any], names: dict[str, str] | None = None
                   ) -> EstimateInput:
    """An ``EstimateInput`` from field values; the first error names the field as ``names``
    spells it (a CLI option, a CSV column), or the field itself."""
    try:
        return EstimateInput.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        if error["type"] == "missing":
            message = "is required"
        field = _field_of(error, message)
        if not error["loc"]:
            message = message.split(" ", 1)[1]
        shown = (names or {}).get(field, field)
        raise EstimateInputError(shown, message) from None


@dataclass(frozen=True, slots=True)
class BatchRow:
    line: int
    product: EstimateInput | None
    error: str | None
    raw: dict[str, str]


def read_batch(path: Path) -> list[BatchRow]:
    """One ``BatchRow`` per data row of a CSV table, in file order. An unknown column rejects
    the file (EstimateInputError naming it); a bad value only its row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EstimateInputError(str(path), f"cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    for column in header:
        if column not in CSV_COLUMNS:
            raise EstimateInputError(f"{path}:1", f"unknown column {column!r}; columns are "
                                     f"{', '.join(CSV_COLUMNS)}")
    columns_by_field = {v: k for k, v in CSV_COLUMNS.items()}
    rows: list[BatchRow] = []
    for line, raw in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        values = {CSV_COLUMNS[k]: v for k, v in cells.items() if v and k in CSV_COLUMNS}
        try:
            product = validate_input(values, columns_by_field)
            rows.append(BatchRow(line=line, product=product, error=None, raw=cells))
        except EstimateInputError as exc:
            rows.append(BatchRow(line=line, product=None,
                                 error=f"{path}:{line}: column {exc.field!r}: "
                                       f"{str(exc).split(': ', 1)[1]}", raw=cells))
    return rows
