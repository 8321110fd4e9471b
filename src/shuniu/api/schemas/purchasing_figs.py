"""Schemas of the purchasing figures (public aggregates)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from shuniu.api.schemas.common import DivisionRef


class DistrictPurchasingOut(Schema):
    code: str
    name: str
    name_en: str
    purchases: int
    contracted_amount: Decimal
    posts_funded: int
    posts_filled: int


class MethodFigureOut(Schema):
    method: str
    purchases: int
    contracted_amount: Decimal


class OrganizationFigureOut(Schema):
    id: int
    name: str
    purchases: int
    contracted_amount: Decimal
    share: Decimal = Field(..., description="Of the region's contracted amount, 0..1.")


class YearFigureOut(Schema):
    year: int
    purchases: int
    contracted_amount: Decimal


class PurchasingStatsOut(Schema):
    region: DivisionRef
    as_of: dt.date
    purchases: dict[str, int] = Field(
        ..., description="Purchases by kind whose contract was signed on or before `as_of`."
    )
    contracted_amount: Decimal = Field(..., description="CNY, a decimal string.")
    paid_amount: Decimal = Field(..., description="Payments paid on or before `as_of` (CNY).")
    posts_funded: int
    posts_filled: int
    posts_vacant: int
    districts_total: int
    by_district: list[DistrictPurchasingOut]
    city_level_amount: Decimal = Field(
        ..., description="Contracted for the region as a whole (in the total only)."
    )
    by_grade: dict[str, int] = Field(..., description="Final evaluations completed by `as_of`.")
    by_method: list[MethodFigureOut]
    by_buyer: list[OrganizationFigureOut]
    buyers_total: int
    top_suppliers: list[OrganizationFigureOut]
    suppliers_total: int
    by_year: list[YearFigureOut]
