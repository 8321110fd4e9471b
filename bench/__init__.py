"""Benchmarks: ``python -m bench`` (``make bench``).

Every benchmark runs against a throwaway database, measures a baseline in the same run and
prints ratios, so the figures compare across machines. See ``bench/__main__.py`` for the
options and the registry of benchmarks.
"""
