"""Review writes: one module per concern (assessment publishing, the work report and its files, the summaries, the accountability ladder)."""
