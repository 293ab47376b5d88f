"""The guard: nothing leaves lakelight without passing it. PII detection and removal, and
near-duplicate leakage checks for synthetic records."""
