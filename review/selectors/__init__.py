"""Review reads: one module per concern (assessment, dashboard, work report, the accountability ladder)."""
