"""What the open-data exports (HSDS, 360Giving, the data package) share: the region they are
asked for, resolved once, and the stable ids they give records."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex

SCHEME = "CN-USCI"
# Every HSDS id is a UUID: derived from the record's kind and primary key, so an export of
# the same records names them the same way every time.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:shuniu:open-data")


def stable_id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def org_identifier(uscc: str | None, pk: int) -> str:
    """An organization's id in 360Giving and OCDS terms: ``CN-USCI-<code>`` where it has one."""
    return f"{SCHEME}-{uscc}" if uscc else f"shuniu-org-{pk}"


@dataclass(frozen=True)
class Scope:
    region: Division
    as_of: dt.date
    index: DivisionIndex


def export_scope(*, region_code: str, as_of: dt.date, index: DivisionIndex | None = None) -> Scope:
    """The region an export covers as it stood on ``as_of``.

    An unknown code is NotFound; a code of a division that did not exist then is a
    ValidationError naming its successor.
    """
    index = index or DivisionIndex.load()
    region = index.by_code.get(region_code)
    if region is None:
        raise NotFound(_("region %(code)s") % {"code": region_code})
    if not region.is_valid_on(as_of):
        message = _("%(name)s (%(code)s) did not exist on %(date)s") % {
            "name": region.name,
            "code": region_code,
            "date": as_of.isoformat(),
        }
        raise ValidationError({"region": message})
    return Scope(region=region, as_of=as_of, index=index)
