"""Tenant schema models of the knowledge app (see the issue that builds it)."""
