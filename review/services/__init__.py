"""Review writes: one module per concern (assessment publishing, work reports; command: radar, letters, consultations, daily report)."""
