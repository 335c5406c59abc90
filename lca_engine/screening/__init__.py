"""Screening estimates from product attributes, and footprints placed among published sheets.

- ``inputs``: what a user gives (pydantic; CSV batches)
- ``sheets``: published PCF sheets, harmonised (use stage removed)
- ``features``, ``model``: the embodied and TEC models (fitted data, numpy prediction)
- ``use_stage``: TEC × lifetime × the engine's grid factor
- ``estimate``: P10/P50/P90 of one product
- ``training``: refit, nested grouped cross-validation, data files
- ``benchmark``: a footprint among comparable published sheets
"""

from .config import ScreeningDataError
from .inputs import EstimateInput, EstimateInputError

__all__ = ["EstimateInput", "EstimateInputError", "ScreeningDataError"]
