"""Purchasing services, one module per step; import them from here.

Every service is ``<entity>_<verb>(*, actor, ...)``: it resolves the records it touches,
checks the caller's side (``procurement.permissions``), locks, validates, writes and audits.
"""

from shuniu.procurement.services.awards import award_check as award_check
from shuniu.procurement.services.awards import award_create as award_create
from shuniu.procurement.services.contracts import contract_sign as contract_sign
from shuniu.procurement.services.contracts import contract_terminate as contract_terminate
from shuniu.procurement.services.contracts import payment_release as payment_release
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
from shuniu.procurement.services.posts import post_add as post_add
from shuniu.procurement.services.posts import post_assign as post_assign
from shuniu.procurement.services.posts import post_assignment_end as post_assignment_end
from shuniu.procurement.services.purchases import purchase_create as purchase_create
from shuniu.procurement.services.purchases import (
    purchase_status_set as purchase_status_set,
)
from shuniu.procurement.services.purchases import purchase_update as purchase_update
from shuniu.procurement.services.reports import report_accept as report_accept
from shuniu.procurement.services.reports import report_return as report_return
from shuniu.procurement.services.reports import report_submit as report_submit
