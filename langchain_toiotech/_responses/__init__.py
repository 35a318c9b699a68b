"""The Responses-API route: the request, the answer and the stream."""
