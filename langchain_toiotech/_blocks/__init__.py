"""User content blocks and media → wire parts, for the chat-completions and the Responses route."""
