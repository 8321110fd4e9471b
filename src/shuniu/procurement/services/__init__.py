"""Purchasing services, one module per step; import them from here.

Every service is ``<entity>_<verb>(*, actor, ...)``: it resolves the records it touches,
checks the caller's side (``procurement.permissions``), locks, validates, writes and audits.
"""

from shuniu.procurement.services.evaluations import (
    evaluation_assign as evaluation_assign,
)
from shuniu.procurement.services.evaluations import (
    evaluation_complete as evaluation_complete,
)
from shuniu.procurement.services.evaluations import (
    evaluation_scheme_create as evaluation_scheme_create,
)
from shuniu.procurement.services.evaluations import (
    evaluation_score as evaluation_score,
)
