"""What both chat routes share: reasoning, pass-back, usage, model profiles, tools, tracing."""
