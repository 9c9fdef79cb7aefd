"""Command reads: one module per concern (work: who sees which signal, letter, consultation and report; cadence, analysis, urgent, leaders)."""
