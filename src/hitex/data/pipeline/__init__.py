"""Engine-neutral trade and customs pipeline (Ibis expressions on DuckDB or Apache Spark)."""
