"""Electronics modelled by their physics: logic dies, memory, display panels and boards.

One module per domain concept, each reading its own data file under
``lca_engine/data/electronics/`` and returning the background inputs of one part:

- ``dies``      logic dies: processed wafer area = die area ÷ negative-binomial yield, × fab
                electricity at the fab grid, process gases at the stated abatement, wafer materials;
- ``memory``    DRAM and NAND on a named ``semiconductor_basis`` (die-area, fab, per-gb-high);
- ``displays``  the panel maker's fab per m² of active area (electricity, fuels, abated F-gases);
- ``pcb``       bare boards per area and layer count, standard / HDI / any-layer;
- ``packages``  IC packages by type: FBGA/FCBGA substrates as area × layers, leadframe and
                wafer-level packages by their declared materials;
- ``passives``  chip resistors, MLCCs and inductors per piece by case size (DeltaLCA);
- ``batteries`` Li-ion cells on a basis: cathode → capacity × per-kWh, or cell mass × per-kg;
- ``spec``      what a scenario says about them (``electronics`` settings, ``part_electronics``);
- ``parts``     the one entry point ``product_model`` calls: a part's model flows and the mapped
                flows they replace.
"""

from .parts import ModelFlow, part_model_flows, replaced
from .spec import ElectronicsSettings, PartElectronics, parse_electronics

__all__ = ["ElectronicsSettings", "ModelFlow", "PartElectronics", "parse_electronics",
           "part_model_flows", "replaced"]
