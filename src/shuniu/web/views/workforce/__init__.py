"""The workforce pages.

- ``/workforce/``: certified social workers of a city or district as of a date, public and
  aggregate only (``stats.selectors.workforce_stats``), every chart with its table and its
  numbers as CSV or XLSX, and the published figures beside the computed ones.
- ``/workforce/people/`` and a person's page: personal data, for officers (their
  jurisdiction), agency staff (their own organization's staff) and administrators; the
  workforce selectors decide whom each user sees. ID numbers are shown masked; the full
  number is shown once, on an audited POST, to the roles that may see it.

Views only turn the request into selector and service calls, and the answers into rows.
"""
