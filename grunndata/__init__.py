"""grunndata: Norway's base registers in PostGIS behind one GraphQL API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("grunndata")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
