"""User content blocks → wire parts, for the chat-completions and the Responses route."""
