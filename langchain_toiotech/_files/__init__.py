"""The Files API without I/O: local file checks, wire shapes of file objects, pagination."""
