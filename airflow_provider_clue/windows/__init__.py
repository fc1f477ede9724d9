"""Which creation times a run reads: run windows, schedule grids, partition periods."""
