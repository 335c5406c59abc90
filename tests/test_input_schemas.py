"""Every YAML input is read through a schema: an unknown key is an error naming the file, the
line, the key path and the nearest valid key (issue 12, item 5), and `compare --json` reports
the allocation actually used (item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lca_engine.input_schema import valid_keys
from lca_engine.mapping import RULES_FILE, MappingError, RulesFile, load_rules
from lca_engine.scenario import DEFAULTS_FILE, ScenarioError, load_scenario
from lca_engine.scenario_schema import ScenarioLayer
from lca_engine.variant_schema import ChangeSpec, VariantFile
from lca_engine.variants import VariantError, load_variant
from lca_engine.workspace import Workspace
from reports.common import load_info
from reports.input_schemas import CreditsFile, InfoFile, PlanFile
from reports.model import ReportError
from reports.neutrality import load_plan
from reports.offsets import load_credits
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "bom_samples"
NEUTRALITY = SAMPLES / "notebook14" / "neutrality"


# -- the shipped files fit their schemas --------------------------------------------------------

def test_shipped_defaults_and_every_sample_scenario_fit_the_schema() -> None:
    files = [DEFAULTS_FILE, *sorted(SAMPLES.glob("*/scenario.yaml"))]
    assert len(files) >= 4  # defaults + notebook14, consumer15, monitor27
    for path in files:
        ScenarioLayer.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        load_scenario(path)


def test_every_sample_variant_fits_the_schema() -> None:
    files = sorted((SAMPLES / "variants").glob("*.yaml"))
    assert len(files) >= 9
    for path in files:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        VariantFile.model_validate(content)
        values = content.get("params") or {}
        for change in content["changes"]:
            text = json.dumps(change)
            for name, value in values.items():  # what parse_variant substitutes
                text = text.replace("${" + name + "}", str(value))
            ChangeSpec.model_validate(json.loads(text))
        assert load_variant(path).changes


def test_shipped_rules_and_sample_neutrality_files_fit_their_schemas() -> None:
    RulesFile.model_validate(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))
    InfoFile.model_validate(yaml.safe_load((NEUTRALITY / "organisation.yaml").read_text()))
    PlanFile.model_validate(yaml.safe_load((NEUTRALITY / "plan.yaml").read_text()))
    assert load_info(NEUTRALITY / "organisation.yaml").organisation
    assert load_plan(NEUTRALITY / "plan.yaml").targets


def test_valid_keys_follow_nested_models() -> None:
    assert "pv_share" in valid_keys(ScenarioLayer, ("factory",))
    assert valid_keys(ScenarioLayer, ("distribution", "legs", 0)) == ["km", "mode", "note", "share"]
    assert "lifetime_years" in valid_keys(ChangeSpec, ("scenario",))
    assert valid_keys(ChangeSpec, ("recycled", "select")) == ["category", "group", "material",
                                                              "part"]


# -- typos are refused, naming file, line, key path and the nearest valid key -------------------

@pytest.mark.parametrize(("text", "line", "key", "nearest"), [
    ("lifetime_year: 9\n", 1, "lifetime_year", "lifetime_years"),
    ("lifetime_years: 4\nfactory: {pv_shar: 0.5}\n", 2, "factory.pv_shar", "pv_share"),
    ("use:\n  tec_kwh_per_year: 20\n  regoin: CN\n", 3, "use.regoin", "region"),
    ("distribution:\n  legs:\n    - {mode: sea, kms: 100}\n", 3, "distribution.legs[0].kms",
     "km"),
    ("end_of_life:\n  mix: {recycling: 0.8, incineraton: 0.1, landfill: 0.1}\n", 2,
     "end_of_life.mix.incineraton", "incineration"),
    ("allocation: cff\ncff: {A: {'*': 0.5}, R2: {'*': 0.3}, qsin: 1}\n", 2, "cff.qsin",
     "qsin_qp"),
])
def test_scenario_typo_names_file_line_key_and_nearest(tmp_path: Path, text: str, line: int,
                                                      key: str, nearest: str) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(None, path)
    # the first problem is the unknown key (a leg without 'km' also lacks a required key)
    assert str(caught.value).startswith(f"{path}:{line}: unknown key {key!r} "
                                        f"(did you mean {nearest!r}?)")


def test_scenario_wrong_type_and_wrong_choice_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("factory: 0.5\ngwp_horizon: GWP50\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(None, path)
    message = str(caught.value)
    assert message.startswith(f"{path}:1: factory = 0.5: Input should be a valid dictionary")
    assert f"{path}:2: gwp_horizon = 'GWP50'" in message


def test_scenario_layer_given_in_code_is_checked_too() -> None:
    from lca_engine.scenario import build_scenario

    with pytest.raises(ScenarioError, match=r"layer 1: unknown key 'lifetime_year' "
                                            r"\(did you mean 'lifetime_years'\?\)"):
        build_scenario({"lifetime_year": 9})


def test_variant_typos_are_refused(tmp_path: Path) -> None:
    cases = {
        # the typo that reported Δ = 0.0: the scenario key fell back to the default
        "name: t\nchanges:\n  - scenario: {lifetime_year: 9}\n":
            ":3: unknown key 'changes[0].scenario.lifetime_year' (did you mean "
            "'lifetime_years'?)",
        "name: t\nchanges:\n  - recyled: {select: {part: X}, share: 0.5}\n":
            ":3: unknown key 'changes[0].recyled' (did you mean 'recycled'?)",
        "name: t\nchanges:\n  - scale: {select: {part: X}, factr: 0.5}\n":
            ":3: unknown key 'changes[0].scale.factr' (did you mean 'factor'?)",
        "name: t\ndescripton: x\nchanges: []\n":
            ":2: unknown key 'descripton' (did you mean 'description'?)",
        "name: t\nchanges:\n  - replace:\n      select: {part: X}\n      materials:\n"
        "        - {name: bamboo, mass_ration: 1.1}\n":
            ":6: unknown key 'changes[0].replace.materials[0].mass_ration' (did you mean "
            "'mass_ratio'?)",
    }
    for index, (text, expected) in enumerate(cases.items()):
        path = tmp_path / f"variant{index}.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(VariantError) as caught:
            load_variant(path)
        assert str(caught.value).startswith(f"{path}{expected}")


def test_variant_placeholder_values_are_checked_after_substitution(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("name: s\nparams: {f: 0.5}\nchanges:\n"
                    "  - scale: {select: {part: X}, factor: '${f}'}\n", encoding="utf-8")
    assert load_variant(path).params == {"f": 0.5}
    assert load_variant(path, {"f": 0.7}).params == {"f": 0.7}


def test_mapping_override_typo_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mapping_overrides.yaml").write_text(
        "rules:\n  - id: my-alu\n    match: {nmae: aluminium}\n    basis: mass\n"
        "    dataset: metal.aluminium.primary.glo\n    reason: supplier EPD\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_rules(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'mapping_overrides.yaml'}:3: unknown key "
                                 "'rules[0].match.nmae' (did you mean 'name'?)")


def test_neutrality_organisation_plan_and_credit_typos_are_refused(tmp_path: Path) -> None:
    info = tmp_path / "org.yaml"
    info.write_text("organisation:\n  name: X\n  adress: Y\n", encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_info(info)
    assert str(caught.value) == (f"{info}:3: unknown key 'organisation.adress' "
                                 "(did you mean 'address'?)")

    plan_text = (NEUTRALITY / "plan.yaml").read_text(encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_text.replace("    reduction_pct: 25", "    reduction_pc: 25"),
                    encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_plan(plan)
    line = plan.read_text().splitlines().index("    reduction_pc: 25") + 1
    assert caught.value.code == "plan-rejected"
    assert str(caught.value).startswith(f"{plan}:{line}: unknown key 'targets[0].reduction_pc' "
                                        "(did you mean 'reduction_pct'?)")

    credits = tmp_path / "credits.yaml"
    credits.write_text("credits:\n  - {registry: Verra, serial_form: 1}\n", encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_credits(credits, __import__("datetime").date(2026, 11, 21))
    assert caught.value.code == "credit-rejected"
    assert str(caught.value) == (f"{credits}:2: unknown key 'credits[0].serial_form' "
                                 "(did you mean 'serial_from'?)")
    assert {"credits"} == set(CreditsFile.model_fields)


# -- the CLI: exit 1 naming the key ------------------------------------------------------------

@pytest.fixture(scope="module")
def workspace(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


def test_cli_footprint_and_compare_refuse_a_misspelt_key(workspace: Workspace,
                                                        tmp_path: Path) -> None:
    home = workspace.home.path
    scenario = tmp_path / "S.yaml"
    scenario.write_text("lifetime_years: 5\nfactory: {pv_shar: 0.5}\n", encoding="utf-8")
    code, out, err = run_cli(home, "footprint", "NB14-G5", "--scenario", str(scenario))
    assert code == 1, out
    assert f"{scenario}:2: unknown key 'factory.pv_shar' (did you mean 'pv_share'?)" in \
        " ".join(err.split())
    variant = tmp_path / "V.yaml"
    variant.write_text("name: longer life\nchanges:\n  - scenario: {lifetime_year: 9}\n",
                       encoding="utf-8")
    code, out, err = run_cli(home, "compare", "NB14-G5", "--variant", str(variant), "--json")
    assert code == 1, out
    assert "unknown key 'changes[0].scenario.lifetime_year' (did you mean 'lifetime_years'?)" \
        in " ".join(err.split())


# -- compare --json reports the allocation used ---------------------------------------------------

def test_compare_json_reports_the_allocation_actually_used(workspace: Workspace,
                                                           tmp_path: Path) -> None:
    home = workspace.home.path
    cff_variant = SAMPLES / "variants" / "cff-allocation.yaml"
    code, out, err = run_cli(home, "compare", "NB14-G5", "--variant", str(cff_variant),
                             "--variant", str(SAMPLES / "variants" / "lifetime-extension.yaml"),
                             "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["allocation"] == "cut-off" and data["allocation_parameters"] is None
    cff, lifetime = data["variants"]
    stated = yaml.safe_load(cff_variant.read_text())["changes"][0]["scenario"]["cff"]
    assert cff["allocation"] == "cff"
    assert cff["allocation_parameters"] == stated  # A, R2, qsin_qp, qsout_qp as stated
    assert lifetime["allocation"] == "cut-off" and lifetime["allocation_parameters"] is None

    baseline = tmp_path / "cff-baseline.yaml"
    baseline.write_text("allocation: cff\ncff: {A: {'*': 0.5}, R2: {'*': 0.25}}\n",
                        encoding="utf-8")
    code, out, err = run_cli(home, "compare", "NB14-G5", "--scenario", str(baseline),
                             "--variant", str(SAMPLES / "variants" / "lifetime-extension.yaml"),
                             "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["allocation"] == "cff"
    assert data["allocation_parameters"] == {"A": {"*": 0.5}, "R2": {"*": 0.25},
                                             "qsin_qp": 1.0, "qsout_qp": 1.0}
    assert data["variants"][0]["allocation"] == "cff"


def test_a_plan_may_carry_the_organisation_sections(tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "reports"
    plan = fixtures / "plan.yaml"
    assert "organisation" in yaml.safe_load(plan.read_text(encoding="utf-8"))
    info = load_info(fixtures / "info.yaml", plan=plan)
    assert info.organisation == "Test Organisation Ltd."
    assert load_plan(plan).declaration.id == "TEST-DECL-A"
    # an info file is not a plan: plan keys in --info are refused
    info_file = tmp_path / "info.yaml"
    info_file.write_text("organisation: {name: X}\ndeclaration: {id: A}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"info.yaml:2: unknown key 'declaration'"):
        load_info(info_file)
