"""Fakes of outside services for tests and benchmarks (loopback HTTP servers, never mocks)."""
