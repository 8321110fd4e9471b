"""The checks across rows, run once every row is checked: the same code, organization or
name twice, and hubs given by credit code or name (stored, or another row)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _

from shuniu.registry import codes
from shuniu.registry.bulk.checks import _RowChecks
from shuniu.registry.bulk.rows import _KIND_OF_CODE, UPDATE, RowError, RowPlan, _digest, _HubRef
from shuniu.registry.models import EventKind, Kind, Organization


class _AcrossRows(_RowChecks):
    def check_across_rows(self) -> None:
        self._check_duplicates()
        self._resolve_hubs()

    def _firsts(self, keys: Sequence[int], rows: Iterable[int]) -> Iterator[tuple[int, int]]:
        """(position, first position with the same key) for rows repeating an earlier key."""
        first: dict[int, int] = {}
        # Only keys seen twice need a dictionary entry: find them by sorting.
        ordered = sorted((keys[i], i) for i in rows if keys[i])
        repeated = {key for (key, _i), (after, _j) in itertools.pairwise(ordered) if key == after}
        for key, position in ordered:
            if key in repeated:
                if key in first:
                    yield position, first[key]
                else:
                    first[key] = position

    def _dup(self, index: int, field_name: str, reason: str) -> None:
        self._add(RowError(row=self.row_numbers[index], field=field_name, reason=reason))

    def _check_duplicates(self) -> None:
        """The same credit code, the same stored organization, or the same name and
        registrar division on two rows: the later row is the problem. A row with one of
        these problems is not compared further (as if it were not there)."""
        everyone = range(len(self.row_numbers))
        out: set[int] = set()
        for index, first in self._firsts(self.code_keys, everyone):
            out.add(index)
            self._dup(
                index,
                "uscc",
                _("The same credit code is in row %(row)s.") % {"row": self.row_numbers[first]},
            )
        same_org = list(self._firsts(self.matched_pk, (i for i in everyone if i not in out)))
        names = dict(
            Organization.objects.filter(
                pk__in={self.matched_pk[i] for i, _first in same_org}
            ).values_list("pk", "name")
        )
        for index, first in same_org:
            out.add(index)
            self._dup(
                index,
                "name",
                _("This row and row %(row)s are the same organization (%(name)s).")
                % {"row": self.row_numbers[first], "name": names[self.matched_pk[index]]},
            )
        remaining = [i for i in everyone if i not in out]
        for index, first in self._firsts(self.name_division_keys, remaining):
            if self.code_keys[first] and self.code_keys[index]:
                continue
            self._dup(
                index,
                "name",
                _(
                    "Row %(row)s has the same name and registrar division; give both "
                    "rows their credit codes."
                )
                % {"row": self.row_numbers[first]},
            )

    def _rows_with(self, keys: Sequence[int], wanted: set[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if wanted:
            for position, key in enumerate(keys):
                if key in wanted:
                    found[key].append(position)
        return found

    def _resolve_hubs(self) -> None:
        if not self.hub_refs:
            return
        by_code = self._rows_with(
            self.code_keys, {_digest(codes.normalize_uscc(h.reference)) for h in self.hub_refs}
        )
        by_name = self._rows_with(self.name_keys, {_digest(h.reference) for h in self.hub_refs})
        stored = {pk for h in self.hub_refs for pk in (h.stored_by_code, *h.stored_by_name) if pk}
        matched: dict[int, int] = {}
        if stored:
            for position, pk in enumerate(self.matched_pk):
                if pk in stored:
                    matched[pk] = position
        for ref in sorted(self.hub_refs, key=lambda h: h.index):
            self._resolve_hub(ref, by_code, by_name, matched)
        self.hub_refs = []
        self.plan.sort(key=lambda p: p.row)

    def _resolve_hub(
        self,
        ref: _HubRef,
        rows_by_code: dict[int, list[int]],
        rows_by_name: dict[int, list[int]],
        matched: dict[int, int],
    ) -> None:
        row, reference = ref.row, ref.reference
        # A target is ("org", id) or ("row", position); a row that matched a stored
        # organization is that organization.
        targets: set[tuple[str, int]] = set()

        def row_target(index: int) -> tuple[str, int]:
            pk = self.matched_pk[index]
            return ("org", pk) if pk else ("row", index)

        code = codes.normalize_uscc(reference)
        targets.update(row_target(i) for i in rows_by_code.get(_digest(code), ()))
        if ref.stored_by_code is not None:
            targets.add(("org", ref.stored_by_code))
        if not targets:
            targets.update(row_target(i) for i in rows_by_name.get(_digest(reference), ()))
            targets.update(("org", pk) for pk in ref.stored_by_name)
        if not targets:
            self._add(
                RowError(
                    row,
                    "hub",
                    _(
                        "No organization, stored or in this file, has the credit code or "
                        "name %(value)s."
                    )
                    % {"value": reference},
                )
            )
            return
        if len(targets) > 1:
            self._add(
                RowError(
                    row,
                    "hub",
                    _("Several organizations are called %(value)s; give the hub's credit code.")
                    % {"value": reference},
                )
            )
            return
        kind_of_target, ident = targets.pop()
        if kind_of_target == "org" and ident in matched:
            kind_of_target, ident = "row", matched[ident]
        hub_org_id: int | None
        hub_row: int | None = None
        if kind_of_target == "row":
            if ident == ref.index:
                self._add(RowError(row, "hub", _("An organization cannot lead itself.")))
                return
            target_kind = _KIND_OF_CODE.get(self.kinds[ident], "")
            hub_row = ident
            hub_org_id = self.matched_pk[ident] or None
            self.hub_targets.add(ident)
        else:
            target_kind = ref.stored_kinds.get(ident, "")
            hub_org_id = ident
        if target_kind and target_kind != Kind.ASSOCIATION:
            self._add(RowError(row, "hub", _("The leading hub must be an association.")))
        self.hubs[ref.index] = (hub_org_id, hub_row)
        # The hub changes a stored organization's record (see ``_changes``).
        action, changes = ref.action, ref.changes
        if ref.existing_pk is not None and (
            (hub_row is not None and hub_org_id is None)
            or (hub_org_id is not None and hub_org_id != ref.existing_hub_id)
        ):
            changes = (*changes, "hub")
            action = UPDATE
            if ref.hub_events:
                self._add(
                    RowError(
                        row,
                        "hub",
                        _(
                            "This organization's history records changes of this field; "
                            "add a '%(event)s' event instead."
                        )
                        % {"event": EventKind(EventKind.JOINED_HUB).label},
                    )
                )
        self._record(
            RowPlan(
                row=row,
                action=action,
                name=ref.name,
                fields=(*changes, *ref.date_fields) if action == UPDATE else (),
                organization_id=ref.existing_pk,
            )
        )
