"""The gap inbox's operations: recording (the engine's seam), grouping, answering, dismissing, follow-ups."""
