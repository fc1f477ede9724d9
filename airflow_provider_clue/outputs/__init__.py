"""Where pulled records go: JSON Lines and Parquet writers, destinations, phone output, lineage."""
