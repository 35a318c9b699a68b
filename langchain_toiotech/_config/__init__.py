"""Client configuration: the shared settings and field checks, the chat model's fields, serialisation."""
