"""Pages of the command app, one module per concern."""
