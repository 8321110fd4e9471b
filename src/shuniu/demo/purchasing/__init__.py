"""The demo's purchasing: Shenzhen's first 31 posts (2007) and Beijing's district service
purchases and post pilot (2010–2012), loaded through the procurement services (see
``plan`` for the data and its sources, ``load`` for how it goes in)."""

from __future__ import annotations

from shuniu.demo.purchasing.load import STEPS, PlanError, PurchasingTally, purchasing_load

__all__ = ["STEPS", "PlanError", "PurchasingTally", "purchasing_load"]
