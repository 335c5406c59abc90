"""Reproduce the USLCI-derived background rows (issue 13): recycled-pellet chains and E-glass.

Usage: python scripts/derive_uslci_recyclate.py PATH/TO/uslci_fy21_q3_01_olca_10_3_ecospold2.zip

The USLCI FY21 Q3 openLCA export (FLCAC-admin/uslci-content, commit 9182448; public-domain data)
is an EcoSpold 1 file of 639 unit processes whose technosphere inputs name their provider only
by flow name. This script links each input to the process producing that flow, converts units
where the two differ, solves the whole technosphere (s = (I - A)^-1 f) and characterises the
fossil CO2, CH4 and N2O emitted to air (FEDEFL names 'Carbon dioxide', 'Methane', 'Nitrous
oxide') with IPCC AR6 GWP100 (fossil CH4 29.8, N2O 273). Inputs without a provider are cut off
and listed. It prints the rows' figures for plastic.obp.recycled_pellet.us and
plastic.pps.virgin.derived (lca_engine/data/background/materials_plastics.csv).

The data file is not part of this repository; nothing in the engine or its tests runs this.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NS = "{http://www.EcoInvent.org/EcoSpold01}"
GWP_AR6 = {"Carbon dioxide": 1.0, "Methane": 29.8, "Nitrous oxide": 273.0}
AIR = frozenset({"emission", "troposphere", "air"})
#: one unit per dimension; a provider's unit and an input's unit are converted through these
SCALES = ({"kJ": 1 / 3600, "MJ": 1 / 3.6, "kWh": 1.0, "MWh": 1000.0},
          {"l": 0.001, "m3": 1.0},
          {"kg*km": 0.001, "t*km": 1.0, "t*mi": 1.609344})
#: USLCI's own density: dataset 'Natural gas, combusted in industrial equipment, 1.357 m3/kg'
NATURAL_GAS_KG_PER_M3 = 1 / 1.357
#: the 'Electricity, at grid' process described 'United States, excluding Alaska and Hawaii';
#: USLCI holds dozens of same-named grid processes and the export keeps no provider links
US_GRID_TEXT = "United States, excluding Alaska and Hawaii."
ROWS = ("Recycled postconsumer high-density polyethylene, HDPE, pellet",
        "Recycled postconsumer polyethylene teraphthalate, PET, pellet",
        "E-glass, at plant")


@dataclass
class Process:
    name: str
    unit: str
    location: str | None
    geography_text: str
    reference_amount: float = 1.0
    inputs: list[tuple[str, str | None, float, str]] = field(default_factory=list)
    gases: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def read_processes(archive: Path) -> list[Process]:
    with zipfile.ZipFile(archive) as zipped:
        name = next(n for n in zipped.namelist() if n.endswith(".xml") and "categories" not in n)
        root = ET.fromstring(zipped.read(name))
    processes = []
    for dataset in root.iter(NS + "dataset"):
        reference = dataset.find(f".//{NS}referenceFunction")
        geography = dataset.find(f".//{NS}geography")
        assert reference is not None
        process = Process(str(reference.get("name")), str(reference.get("unit")),
                          geography.get("location") if geography is not None else None,
                          (geography.get("text") or "") if geography is not None else "")
        for exchange in dataset.iter(NS + "exchange"):
            amount = float(exchange.get("meanValue") or 0.0)
            input_group, output_group = exchange.find(NS + "inputGroup"), exchange.find(
                NS + "outputGroup")
            flow = str(exchange.get("name"))
            if output_group is not None and output_group.text == "0":
                process.reference_amount = amount
            elif input_group is not None and input_group.text == "5":
                process.inputs.append((flow, exchange.get("location"), amount,
                                       str(exchange.get("unit"))))
            elif (output_group is not None and output_group.text == "4" and flow in GWP_AR6
                  and exchange.get("category") in AIR):
                process.gases[flow] += amount
        processes.append(process)
    return processes


def conversion(from_unit: str, to_unit: str, flow: str) -> float | None:
    if from_unit == to_unit:
        return 1.0
    for scale in SCALES:
        if from_unit in scale and to_unit in scale:
            return scale[from_unit] / scale[to_unit]
    if (from_unit, to_unit) == ("m3", "kg") and flow.startswith("Natural gas"):
        return NATURAL_GAS_KG_PER_M3
    return None  # e.g. 'Petroleum refined, to material use' l -> kg: no density, cut off


def solve(processes: list[Process]) -> tuple[np.ndarray, np.ndarray, dict[str, int],
                                              dict[str, int]]:
    """The total inventory matrix (I - A)^-1 and the gas matrix B (CO2, CH4, N2O per unit)."""
    providers: dict[str, list[int]] = defaultdict(list)
    for position, process in enumerate(processes):
        providers[process.name].append(position)
    grid = next(i for i in providers["Electricity, at grid"]
                if processes[i].geography_text == US_GRID_TEXT)
    size = len(processes)
    technosphere = np.zeros((size, size))
    cut_off: dict[str, int] = defaultdict(int)
    for column, process in enumerate(processes):
        for flow, location, amount, unit in process.inputs:
            candidates = providers.get(flow, [])
            if flow == "Electricity, at grid" and location != "CN":
                candidates = [grid]
            elif len(candidates) > 1:
                candidates = [i for i in candidates if processes[i].location == location] or \
                    candidates
            factor = conversion(unit, processes[candidates[0]].unit, flow) if candidates else None
            if not candidates or candidates[0] == column or factor is None:
                cut_off[flow] += 1
                continue
            technosphere[candidates[0], column] += amount * factor / process.reference_amount
    gases = np.array([[p.gases[g] / p.reference_amount for p in processes] for g in GWP_AR6])
    index = {p.name: i for i, p in enumerate(processes)}
    index["US grid"] = grid
    return np.linalg.inv(np.eye(size) - technosphere), gases, index, cut_off


def main(archive: Path) -> None:
    processes = read_processes(archive)
    total, gases, index, cut_off = solve(processes)
    weights = np.array(list(GWP_AR6.values()))
    results = {}
    for name in (*ROWS, "US grid"):
        amounts = gases @ total[:, index[name]]
        results[name] = float(weights @ amounts)
        print(f"{name}: {results[name]:.5f} kg CO2e (AR6) per {processes[index[name]].unit}; "
              f"CO2 {amounts[0]:.7f}, CH4 {amounts[1]:.7f}, N2O {amounts[2]:.7f}")
    hdpe, pet, glass = (results[name] for name in ROWS)
    print(f"plastic.obp.recycled_pellet.us = ({hdpe:.5f} + {pet:.5f}) / 2 = "
          f"{(hdpe + pet) / 2:.5f}")
    print(f"plastic.pps.virgin.derived = (5.43 - 0.40 x {glass:.5f}) / 0.60 = "
          f"{(5.43 - 0.40 * glass) / 0.60:.4f}")
    print("inputs cut off (no provider or no unit conversion), by number of processes using them:")
    for flow, count in sorted(cut_off.items(), key=lambda item: -item[1])[:40]:
        print(f"  {count:3d}  {flow}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
