"""Review reads: one module per concern (assessment, dashboard, report)."""
