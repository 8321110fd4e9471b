"""Form fields the query forms of the site share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    # A label or message, translated now or when shown (gettext_lazy).
    StrOrLazy = str | _StrPromise


def optional_choice(label: StrOrLazy, invalid: StrOrLazy) -> forms.ChoiceField:
    """An optional filter chosen from a list (its choices set by the form); ``invalid`` says
    what to do with a value not offered (``%(value)s`` is the value)."""
    return forms.ChoiceField(
        label=label, required=False, error_messages={"invalid_choice": invalid}
    )
