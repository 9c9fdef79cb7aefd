"""Review reads: one module per concern (assessment, dashboard, report; command: radar, letters, consultations, daily report)."""
