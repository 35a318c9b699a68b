"""The chat-completions route: messages → wire dicts, stream chunks → `ChatGenerationChunk`s."""
