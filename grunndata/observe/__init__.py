"""What an operator sees of a running server: Prometheus metrics (``/metrics``) and one
structured log line per request (docs/operations.md)."""
