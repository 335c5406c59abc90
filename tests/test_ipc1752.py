"""IPC-1752A parsing on real files: values, tolerance of variants, validation, hostile input."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from bench.synthetic import write_synthetic
from fmd_parsers import (
    FmdError,
    FmdValidationError,
    RecycledKind,
    ValidationPolicy,
    detect_format,
    parse_declaration,
)
from fmd_parsers.ipc1752 import parse_ipc1752
from fmd_parsers.writer import write_ipc1752

from .conftest import IPC

LENIENT = ValidationPolicy(lenient=True)


def test_cover_values_are_read_and_normalised() -> None:
    decl = parse_ipc1752(IPC / "cover_ok.xml")
    assert decl.format == "IPC-1752A"
    assert decl.format_version == "2.0"
    assert decl.declaration_class == "D"
    assert decl.declaration_date == date(2026, 3, 14)
    assert decl.supplier.company == "Kunshan Precision Metal Co."
    assert decl.supplier.contact_name == "Li Wei"
    assert decl.supplier.contact_email == "li.wei@example.com"
    assert decl.supplier.company_id == "654321987"
    [part] = decl.parts
    assert (part.part_number, part.version, part.mass_g) == ("NB14-ACOV-01", "B", 150.0)
    alloy, oxide = part.materials
    assert alloy.material_group == "Aluminium and its alloys"
    assert alloy.mass_g == 148.0
    assert alloy.recycled is not None
    assert alloy.recycled.kind is RecycledKind.RECYCLED_METAL
    assert alloy.recycled.share == pytest.approx(0.75)
    assert [s.cas for s in alloy.substances] == ["7429-90-5", "7439-95-4", "7440-21-3"]
    # 0.7 g of magnesium in 148 g of alloy = 4729.73 ppm
    assert alloy.substances[1].concentration_ppm == pytest.approx(0.7 / 148.0 * 1e6)
    # the oxide layer is 2000 mg = 2 g; 98 massPercent → 1.96 g and 20000 ppm → 0.04 g
    assert oxide.mass_g == pytest.approx(2.0)
    assert oxide.declared is not None and (oxide.declared.value, oxide.declared.unit) == (
        2000.0, "mg")
    assert oxide.substances[0].mass_g == pytest.approx(1.96)
    assert oxide.substances[1].mass_g == pytest.approx(0.04)
    assert oxide.substances[1].declared is not None
    assert oxide.substances[1].declared.unit == "ppm"
    assert decl.flags == []
    # unknown element kept verbatim, not an error
    [unknown] = decl.extra["unknown_elements"]  # type: ignore[misc]
    assert unknown["element"] == "VendorExtension"
    assert 'code="X1"' in unknown["xml"]
    assert len(decl.sha256) == 64


@pytest.mark.parametrize("name", ["prefixed_v21.xml", "no_namespace.xml"])
def test_namespace_variants_give_the_same_content(name: str) -> None:
    reference = parse_ipc1752(IPC / "cover_ok.xml")
    variant = parse_ipc1752(IPC / name)
    assert [(m.name, m.mass_g, [(s.cas, s.mass_g) for s in m.substances])
            for m in variant.parts[0].materials] == [
        (m.name, m.mass_g, [(s.cas, s.mass_g) for s in m.substances])
        for m in reference.parts[0].materials]
    assert variant.supplier.company == reference.supplier.company


def test_prefixed_file_keeps_its_version() -> None:
    assert parse_ipc1752(IPC / "prefixed_v21.xml").format_version == "2.1"


def test_chinese_names_bom_kg_subproduct_class_c_and_exemption() -> None:
    raw = (IPC / "adapter_zh_bom.xml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    decl = parse_declaration(IPC / "adapter_zh_bom.xml")
    assert decl.supplier.company == "昆山精密科技有限公司"
    assert decl.declaration_date == date(2026, 5, 20)
    assert decl.declaration_class == "C/D"
    assert decl.regulatory_lists == ["EUROHS-1907"]
    [class_c] = decl.extra["class_c"]  # type: ignore[misc]
    assert class_c["above_threshold"] is True and class_c["exemptions"] == ["7(c)-I"]
    [part] = decl.parts  # the SubProduct's materials belong to the declared article
    assert part.part_number == "NB14-ADP-65W"
    assert part.mass_g == pytest.approx(250.0)  # 0.2500 kg
    names = [m.name for m in part.materials]
    assert names[0] == "外壳 PC 阻燃, 95% PCR"
    housing = part.materials[0]
    assert housing.recycled is not None and housing.recycled.share == pytest.approx(0.95)
    copper = part.materials[1]
    assert copper.mass_g == pytest.approx(60.0)  # 60000 mg
    assert copper.substances[0].mass_g == pytest.approx(59.94)  # 99.9 % of 60 g
    assert copper.substances[1].mass_g == pytest.approx(0.06)  # 1000 ppm of 60 g
    glass = part.materials[2]
    assert glass.comment is not None and glass.comment.startswith("sub-product NB14-ADP-PCBA")
    lead = glass.substances[0]
    assert lead.cas == "1317-36-8"
    assert lead.mass_g == pytest.approx(0.005)
    assert [e.identity for e in lead.exemptions] == ["7(c)-I"]
    # materials 95 + 60 + 0.05 + 94.95 = 250 g = the declared part mass
    assert sum(m.mass_g or 0 for m in part.materials) == pytest.approx(250.0)


def _rejection(name: str) -> FmdError:
    with pytest.raises(FmdError) as info:
        parse_ipc1752(IPC / name)
    return info.value


def test_substance_mass_balance_names_file_line_part_material_field() -> None:
    error = _rejection("mass_balance_substances.xml")
    assert isinstance(error, FmdValidationError)
    assert error.code == "substance-mass-balance"
    assert error.part_number == "NB14-ACOV-01"
    assert error.material == "Aluminium alloy 6063, 75% recycled"
    assert error.line == 17  # the <HomogeneousMaterial> start tag
    assert error.field == "Substance/Amount"
    text = str(error)
    assert "mass_balance_substances.xml:17" in text
    # 140.0 + 0.7 + 0.5 = 141.2 g against 148 g
    assert "141.2 g" in text and "148 g" in text


def test_part_mass_balance() -> None:
    error = _rejection("mass_balance_part.xml")
    assert error.code == "material-mass-balance"
    assert "150 g" in str(error) and "160 g" in str(error)  # 148 + 2 = 150 vs 160


@pytest.mark.parametrize(
    ("name", "code", "field"),
    [
        ("bad_cas.xml", "cas-checksum", "Substance/UniqueID@identity"),
        ("unknown_unit.xml", "unknown-unit", "Substance/Amount@UOM"),
        ("negative_mass.xml", "negative-mass", "Substance/Amount@value"),
        ("missing_mass.xml", "missing-mass", "HomogeneousMaterial/Amount"),
        ("concentration_sum.xml", "concentration-sum", "Substance/Amount"),
    ],
)
def test_each_validation_rule_rejects_in_strict_mode(name: str, code: str, field: str) -> None:
    error = _rejection(name)
    assert isinstance(error, FmdValidationError)
    assert code in [f.code for f in error.flags]
    flag = next(f for f in error.flags if f.code == code)
    assert flag.field == field
    assert flag.part_number == "NB14-ACOV-01"
    assert flag.line is not None


def test_bad_cas_also_breaks_nothing_else() -> None:
    error = _rejection("bad_cas.xml")
    assert [f.code for f in error.flags] == ["cas-checksum"]
    assert "7439-95-5" in str(error)


@pytest.mark.parametrize("name", ["mass_balance_substances.xml", "bad_cas.xml",
                                  "negative_mass.xml", "concentration_sum.xml"])
def test_lenient_mode_keeps_the_data_with_flags(name: str) -> None:
    decl = parse_ipc1752(IPC / name, LENIENT)
    assert decl.parts[0].materials
    assert any(f.severity == "error" for f in decl.flags)


def test_tolerance_is_one_percent() -> None:
    # 1 % of 148 g is 1.48 g: a 1.4 g shortfall passes, the 6.8 g one above does not
    policy = ValidationPolicy()
    assert policy.tolerance_g(148.0) == pytest.approx(1.48)
    assert policy.tolerance_g(0.001) == pytest.approx(1e-4)


def test_truncated_xml_is_refused_with_a_line() -> None:
    error = _rejection("truncated.xml")
    assert error.code == "xml-malformed"
    assert error.line is not None and error.line >= 20


def test_wrong_root_is_refused() -> None:
    error = _rejection("wrong_root.xml")
    assert error.code in {"wrong-format"}
    with pytest.raises(FmdError, match="neither IPC-1752A"):
        detect_format(IPC / "wrong_root.xml")


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_hostile_xml_is_refused_quickly(name: str) -> None:
    started = time.perf_counter()
    error = _rejection(name)
    elapsed = time.perf_counter() - started
    assert error.code == "xml-doctype-refused"
    assert "DOCTYPE" in str(error)
    assert elapsed < 0.1, f"refusal took {elapsed:.3f} s"


def test_external_entity_content_never_appears(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xml = (IPC / "xxe.xml").read_text().replace("file:///etc/passwd", secret.as_uri())
    hostile = tmp_path / "xxe_local.xml"
    hostile.write_text(xml)
    with pytest.raises(FmdError) as info:
        parse_ipc1752(hostile)
    assert "TOP-SECRET-VALUE" not in str(info.value)


def test_empty_and_oversized_files_are_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(FmdError, match="file is empty"):
        parse_ipc1752(empty)
    monkeypatch.setattr("fmd_parsers.xmlsafe.MAX_FILE_BYTES", 100)
    with pytest.raises(FmdError, match="above the"):
        parse_ipc1752(IPC / "cover_ok.xml")


def test_writer_round_trip(tmp_path: Path) -> None:
    original = parse_ipc1752(IPC / "adapter_zh_bom.xml")
    copy = parse_ipc1752(write_ipc1752(original, tmp_path / "copy.xml"))
    assert [(m.name, pytest.approx(m.mass_g)) for m in copy.parts[0].materials] == [
        (m.name, m.mass_g) for m in original.parts[0].materials]
    assert copy.supplier.company == original.supplier.company


# tracemalloc sees Python objects only, not the lxml tree in libxml2: the streaming itself is
# measured by peak RSS in tests/test_streaming_memory.py
def test_fifty_thousand_substances_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = write_synthetic(tmp_path / "big.xml", "BIG-50K", 50_000)
    size_mb = path.stat().st_size / 1e6
    tracemalloc.start()
    try:
        decl = parse_ipc1752(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decl.substance_count == 50_000
    assert len(decl.parts[0].materials) == 5_000
    assert decl.parts[0].mass_g == pytest.approx(5_000.0)
    # The dataclasses themselves need memory; the XML tree must not be held on top of them.
    # 50k substances as dataclasses take ~25 MB; a fully built lxml tree would add ~4× the file.
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB for a {size_mb:.0f} MB file"
