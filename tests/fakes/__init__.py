"""Fake external services for development and tests (real HTTP servers, never mocks in-process)."""
