"""The request type of views that read ``request.htmx``.

django-htmx's middleware (installed in settings) sets ``request.htmx`` on every request; the
type says so, as django-htmx documents, instead of each view probing with ``getattr``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
