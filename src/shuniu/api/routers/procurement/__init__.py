"""Purchasing endpoints, one module per step."""
