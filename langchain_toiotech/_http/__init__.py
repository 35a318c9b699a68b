"""The HTTP layer: pooled clients, deadlines, retries, reply limits, SSE and redaction; no LangChain types."""
