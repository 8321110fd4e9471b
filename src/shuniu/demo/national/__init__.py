"""The national synthetic dataset of ``shuniu demo generate --scale national``: organizations
in every province outside the demo's three cities (events 2003–2024), people employed there
with certificates, and purchases; see ``plan`` (what, deterministic for a seed) and ``load``
(how: the bulk paths, one transaction, batch audit records)."""

from __future__ import annotations

from shuniu.demo.national.load import (
    GenerateSummary,
    check_sizes,
    national_generate,
    national_generated,
)
from shuniu.demo.national.plan import (
    CERTIFICATE_PREFIX,
    DEFAULT_SEED,
    EXCLUDED_PREFIXES,
    ORGANIZATIONS,
    ORGANIZATIONS_MAX,
    PEOPLE,
    PEOPLE_MAX,
    PURCHASES,
    PURCHASES_MAX,
    SOURCE,
)

__all__ = [
    "CERTIFICATE_PREFIX",
    "DEFAULT_SEED",
    "EXCLUDED_PREFIXES",
    "ORGANIZATIONS",
    "ORGANIZATIONS_MAX",
    "PEOPLE",
    "PEOPLE_MAX",
    "PURCHASES",
    "PURCHASES_MAX",
    "SOURCE",
    "GenerateSummary",
    "check_sizes",
    "national_generate",
    "national_generated",
]
