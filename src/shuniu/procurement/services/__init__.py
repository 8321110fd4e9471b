"""Purchasing services, one module per step; import them from here.

Every service is ``<entity>_<verb>(*, actor, ...)``: it resolves the records it touches,
checks the caller's side (``procurement.permissions``), locks, validates, writes and audits.
"""
