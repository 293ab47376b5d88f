"""lakelight: cited answers and guarded synthetic records over your tables and logs."""

__version__ = "0.1.0"
