"""The file loader's pipeline: what it sends, one file → Documents, the ordered concurrent map."""
