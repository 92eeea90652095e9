"""Tenant schema models of the leads app (see the issue that builds it)."""
