"""Shared test support: the fakes, builders and loopback servers more than one test module uses."""
