"""Review writes: one module per concern (assessment publishing, work reports)."""
