"""What both chat routes share: reasoning, pass-back, usage, model profiles, structured output, tracing, the answer."""
