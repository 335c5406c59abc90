"""Completing and checking a parsed declaration: units to grams, mass balances, identifiers.

The checks and their tolerance (``ValidationPolicy``):
- each homogeneous material and each substance has a non-negative mass, given either as a mass or
  as a concentration of its parent;
- substance masses add up to the homogeneous-material mass, and material masses add up to the part
  mass, within ``max(relative_tolerance × declared mass, absolute_tolerance_g)``;
- when substances are declared only as concentrations, those add up to 100 % within the same
  relative tolerance;
- CAS numbers have a valid check digit.
In strict mode any error rejects the file (``FmdValidationError`` listing every problem); in
lenient mode the data is kept and every problem becomes a data-quality flag on the declaration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import FmdValidationError
from .model import Declaration, DeclaredPart, HomogeneousMaterial, QualityFlag
from .units import UnitError, grams_of, is_concentration_unit, to_fraction


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """Tolerances for the mass-balance checks. The defaults are the engine's stated policy."""

    relative_tolerance: float = 0.01  # 1 % of the declared (parent) mass
    absolute_tolerance_g: float = 1e-4  # 0.1 mg floor, for tiny parts rounded to 0.1 mg
    lenient: bool = False
    #: how the files write numbers: "auto" refuses an ambiguous "1,500"; "point" or "comma"
    #: states the decimal separator (``units.DECIMAL_SEPARATORS``, ``--decimal-separator``)
    decimal_separator: str = "auto"

    def tolerance_g(self, declared_g: float) -> float:
        return max(self.relative_tolerance * abs(declared_g), self.absolute_tolerance_g)


DEFAULT_POLICY = ValidationPolicy()


def _fmt(grams: float) -> str:
    return f"{grams:.6g} g"


def _complete_material(
    part: DeclaredPart, material: HomogeneousMaterial, flags: list[QualityFlag]
) -> None:
    """Fill substance grams / ppm from whichever of mass or concentration was declared."""

    def flag(code: str, message: str, line: int | None, field: str) -> None:
        flags.append(
            QualityFlag(code, message, line=line, field=field,
                        part_number=part.part_number, material=material.name)
        )

    if material.mass_g is None and material.declared is not None and part.mass_g is not None:
        try:
            material.mass_g = grams_of(material.declared.value, material.declared.unit, part.mass_g)
        except UnitError as exc:
            flag("unknown-unit", str(exc), material.line, "HomogeneousMaterial/Amount@UOM")
    if material.mass_g is None:
        flag("missing-mass", "homogeneous material has no mass", material.line,
             "HomogeneousMaterial/Amount")
    elif material.mass_g < 0:
        flag("negative-mass", f"homogeneous material mass {_fmt(material.mass_g)} is negative",
             material.line, "HomogeneousMaterial/Amount@value")

    for substance in material.substances:
        declared = substance.declared
        if declared is None:
            if substance.mass_g is None and substance.concentration_ppm is None:
                flag("missing-mass", f"substance {substance.name!r} has no amount",
                     substance.line, "Substance/Amount")
            continue
        try:
            if is_concentration_unit(declared.unit):
                substance.concentration_ppm = to_fraction(declared.value, declared.unit) * 1e6
                if material.mass_g is not None:
                    substance.mass_g = substance.concentration_ppm * 1e-6 * material.mass_g
            else:
                substance.mass_g = declared.grams
        except UnitError as exc:
            flag("unknown-unit", f"substance {substance.name!r}: {exc}", substance.line,
                 "Substance/Amount@UOM")
            continue
        if declared.value < 0:
            flag("negative-mass", f"substance {substance.name!r} amount {declared.value} "
                 f"{declared.unit} is negative", substance.line, "Substance/Amount@value")
        if substance.mass_g is not None and material.mass_g and substance.concentration_ppm is None:
            substance.concentration_ppm = substance.mass_g / material.mass_g * 1e6


def _check_material_balance(
    part: DeclaredPart, material: HomogeneousMaterial, policy: ValidationPolicy,
    flags: list[QualityFlag],
) -> None:
    if not material.substances or material.mass_g is None:
        return
    masses = [s.mass_g for s in material.substances]
    if all(m is not None for m in masses):
        total = sum(m for m in masses if m is not None)
        if abs(total - material.mass_g) > policy.tolerance_g(material.mass_g):
            flags.append(QualityFlag(
                "substance-mass-balance",
                f"substance masses add up to {_fmt(total)} but the homogeneous material is "
                f"declared as {_fmt(material.mass_g)} "
                f"(tolerance ±{_fmt(policy.tolerance_g(material.mass_g))})",
                line=material.line, field="Substance/Amount", part_number=part.part_number,
                material=material.name))
    # Concentrations must add up to 100 % only where the supplier declared them as such;
    # concentrations derived from masses would merely repeat the mass-balance finding.
    declared_as_share = all(
        s.declared is not None and is_concentration_unit(s.declared.unit)
        for s in material.substances)
    ppms = [s.concentration_ppm for s in material.substances]
    if declared_as_share and all(p is not None for p in ppms):
        total_pct = sum(p for p in ppms if p is not None) / 1e4
        if abs(total_pct - 100.0) > policy.relative_tolerance * 100.0:
            flags.append(QualityFlag(
                "concentration-sum",
                f"substance concentrations add up to {total_pct:.4g} %, not 100 %",
                line=material.line, field="Substance/Amount", part_number=part.part_number,
                material=material.name))


def _check_part_balance(
    part: DeclaredPart, policy: ValidationPolicy, flags: list[QualityFlag]
) -> None:
    if part.mass_g is not None and part.mass_g < 0:  # also when materials are absent
        flags.append(QualityFlag("negative-mass", f"part mass {_fmt(part.mass_g)} is negative",
                                 line=part.line, field="ProductID/Amount@value",
                                 part_number=part.part_number))
        return
    masses = [m.mass_g for m in part.materials]
    if not part.materials or any(m is None for m in masses):
        return
    total = sum(m for m in masses if m is not None)
    if part.mass_g is None:
        part.mass_g = total
        flags.append(QualityFlag(
            "part-mass-derived", f"part mass not declared; taken as the sum of its materials "
            f"({_fmt(total)})", severity="note", line=part.line, field="ProductID/Amount",
            part_number=part.part_number))
        return
    if abs(total - part.mass_g) > policy.tolerance_g(part.mass_g):
        flags.append(QualityFlag(
            "material-mass-balance",
            f"homogeneous materials add up to {_fmt(total)} but the part is declared as "
            f"{_fmt(part.mass_g)} (tolerance ±{_fmt(policy.tolerance_g(part.mass_g))})",
            line=part.line, field="HomogeneousMaterial/Amount", part_number=part.part_number))


def _check_finite(part: DeclaredPart, flags: list[QualityFlag]) -> None:
    """Flag and drop masses that overflowed to inf / nan (products of huge declared numbers)."""

    def overflowed(value: float | None) -> bool:
        return value is not None and not math.isfinite(value)

    def flag(field: str, material: str | None, line: int | None) -> None:
        flags.append(QualityFlag("invalid-number", "mass is too large to compute (overflow)",
                                 line=line, field=field, part_number=part.part_number,
                                 material=material))

    if overflowed(part.mass_g):
        flag("ProductID/Amount", None, part.line)
        part.mass_g = None
    if part.declared_mass is not None and overflowed(part.declared_mass.grams):
        part.declared_mass = replace(part.declared_mass, grams=None)
    for material in part.materials:
        if overflowed(material.mass_g):
            flag("HomogeneousMaterial/Amount", material.name, material.line)
            material.mass_g = None
        if material.declared is not None and overflowed(material.declared.grams):
            material.declared = replace(material.declared, grams=None)
        for substance in material.substances:
            if overflowed(substance.mass_g) or overflowed(substance.concentration_ppm):
                flag("Substance/Amount", material.name, substance.line)
                substance.mass_g = substance.concentration_ppm = None
            if substance.declared is not None and overflowed(substance.declared.grams):
                substance.declared = replace(substance.declared, grams=None)


def validate(declaration: Declaration, policy: ValidationPolicy = DEFAULT_POLICY) -> Declaration:
    """Complete masses and check balances in place; strict mode raises on the first file error.

    Flags the parser already recorded (bad CAS, unknown units, …) are merged with these checks so
    that one rejection lists every problem of the file.
    """
    flags = list(declaration.flags)
    if not declaration.parts:
        flags.append(QualityFlag("no-parts", "declaration contains no product / part",
                                 field="Product"))
    for part in declaration.parts:
        if not part.materials:
            flags.append(QualityFlag(
                "no-materials", "part declares no homogeneous materials (Class D content)",
                severity="note", line=part.line, field="MaterialInfo",
                part_number=part.part_number))
        for material in part.materials:
            _complete_material(part, material, flags)
            _check_material_balance(part, material, policy, flags)
        _check_part_balance(part, policy, flags)
        _check_finite(part, flags)
    declaration.flags = flags
    errors = [f for f in flags if f.severity == "error"]
    if errors and not policy.lenient:
        raise FmdValidationError(errors, declaration.source_path)
    return declaration
