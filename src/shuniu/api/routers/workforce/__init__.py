"""People, certificates, employment, cohorts and programmes.

Everything about people is personal data: every endpoint reading it needs a login
(anonymous callers get 401; the public sees aggregates at ``/stats/workforce``), and the
selectors scope what each caller sees. ID numbers are always masked, except at
``/people/{id}/id-number``, which is audited.
"""

from __future__ import annotations

from ninja import Router

from shuniu.api.routers.workforce import certificates, employments, people, pipeline

router = Router(tags=["workforce"])
# One router per resource, mounted in the order the paths were always declared in.
for _resource in (people, certificates, employments, pipeline):
    router.add_router("", _resource.router)
