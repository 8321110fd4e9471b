"""Django's admin and model-form base classes, subscriptable at run time as django-stubs types them.

Under strict mypy a bare ``admin.ModelAdmin`` is ``ModelAdmin[Any]``; the model it manages
belongs in the type (``admin.ModelAdmin[Organization]``), and a base class is evaluated at run
time. ``django_stubs_ext.monkeypatch()`` does this, but django-stubs-ext is a development
dependency only; this does the same for the classes the project subclasses, and settings
call it before any admin module is imported.
"""

from __future__ import annotations

from typing import Any


def _class_getitem(cls: type, *args: Any, **kwargs: Any) -> type:
    return cls


def allow_admin_subscripting() -> None:
    from django.contrib.admin.options import ModelAdmin, StackedInline, TabularInline
    from django.forms.models import BaseModelForm

    classes: tuple[type, ...] = (ModelAdmin, StackedInline, TabularInline, BaseModelForm)
    for cls in classes:
        if "__class_getitem__" not in cls.__dict__:
            setattr(cls, "__class_getitem__", classmethod(_class_getitem))  # noqa: B010
