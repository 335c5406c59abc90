"""The engine: material database, background data, mapping, Brightway model, footprints."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gscdm-lca")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
