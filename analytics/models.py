"""Tenant schema models of the analytics app (see the issue that builds it)."""
