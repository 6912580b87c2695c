"""Where a harvest keeps its files unless told otherwise (relative to the working directory)."""
DEFAULT_DB = "data/warehouse.duckdb"
DEFAULT_ARCHIVE = "data/archive"
