"""Pages of the review app, one module per concern."""
