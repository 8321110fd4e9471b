"""Purchasing services, one module per step; import them from here.

Every service is ``<entity>_<verb>(*, actor, ...)``: it resolves the records it touches,
checks the caller's side (``procurement.permissions``), locks, validates, writes and audits.
"""

from shuniu.procurement.services.awards import award_check as award_check
from shuniu.procurement.services.awards import award_create as award_create
from shuniu.procurement.services.purchases import purchase_create as purchase_create
from shuniu.procurement.services.purchases import (
    purchase_status_set as purchase_status_set,
)
from shuniu.procurement.services.purchases import purchase_update as purchase_update
