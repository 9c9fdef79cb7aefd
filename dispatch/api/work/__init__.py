"""REST API of dispatch work: one endpoint per action, errors in the format of governance.api."""
