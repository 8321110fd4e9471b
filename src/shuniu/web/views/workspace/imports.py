"""Importing organizations from a file uploaded in the browser: a dry run first, then the
same file for real once the officer confirms.

Between the two steps the file waits on disk (not in a process's memory: the next request
may reach another process), in a directory named by a random token that only the uploader's
session holds. It is removed after the import, on cancel, when the dry run found problems,
or after an hour by the sweep that runs on every upload.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from shuniu.core.busy import retry_after
from shuniu.core.locks import LockHeld, import_lock
from shuniu.interop.importing import ImportReport, importers, run_import
from shuniu.interop.tables import SUPPORTED_SUFFIXES, FileRefused, open_table
from shuniu.interop.template import write_template
from shuniu.web.views.workspace.access import forbidden, officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm

ENTITY = "organizations"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PENDING_FOR = dt.timedelta(hours=1)
SESSION_KEY = "workspace_import"
TEMPLATE = "web/workspace/import.html"


def upload_root() -> Path:
    """Where uploads wait for confirmation: shared by every process of this installation
    (``SHUNIU_UPLOAD_DIR``, by default ``uploads`` in ``SHUNIU_VAR_DIR``)."""
    return Path(settings.SHUNIU_UPLOAD_DIR) / "imports"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


class _SizeLimit(FileUploadHandler):
    """Stops storing an uploaded file once it passes the limit, so that an oversized file
    never fills the disk; the view then says what the limit is."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadForm(WorkspaceForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(".csv (UTF-8 or GB18030) or .xlsx, at most %(size)s MB.")
        % {"size": _megabytes(MAX_UPLOAD_BYTES)},
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_SUFFIXES)}),
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.style()

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise forms.ValidationError(
                _("%(file)s is not a .csv or .xlsx file.") % {"file": upload.name}
            )
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(self.size_message())
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error("file", self.size_message())
        return data

    @staticmethod
    def size_message() -> str:
        return _(
            "The file is larger than %(size)s MB: split it into several files and import "
            "them one after the other."
        ) % {"size": _megabytes(MAX_UPLOAD_BYTES)}


# ---------------------------------------------------------------------------------------
# The waiting file
# ---------------------------------------------------------------------------------------


def _sweep(root: Path) -> None:
    """Remove uploads left waiting longer than allowed (abandoned previews)."""
    if not root.is_dir():
        return
    limit = time.time() - PENDING_FOR.total_seconds()
    for entry in root.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue  # another process removed it first


def _store(upload: UploadedFile[bytes]) -> tuple[str, Path]:
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    _sweep(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir()
    suffix = Path(upload.name or "").suffix.lower()
    stem = get_valid_filename(Path(upload.name or "upload").stem)[:80] or "upload"
    path = folder / f"{stem}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, path


def _pending(request: HttpRequest, token: str) -> Path | None:
    """The waiting file of this session with this token, if it is still there and fresh."""
    entry = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict) or not token:
        return None
    if not secrets.compare_digest(str(entry.get("token", "")), token):
        return None
    stored_at = dt.datetime.fromisoformat(entry["at"])
    if timezone.now() - stored_at > PENDING_FOR:
        return None
    path = upload_root() / entry["token"] / entry["name"]
    return path if path.is_file() else None


def waiting_import(request: HttpRequest) -> dict[str, Any] | None:
    """The file this session uploaded and has not yet confirmed or cancelled, if it still
    waits: its name, when it came and the token that confirms it (the workspace home)."""
    entry = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict) or _pending(request, str(entry.get("token", ""))) is None:
        return None
    return {
        "file_name": str(entry.get("file_name", "")),
        "at": timezone.localtime(dt.datetime.fromisoformat(entry["at"])),
        "token": str(entry["token"]),
    }


def _forget(request: HttpRequest) -> None:
    entry = request.session.pop(SESSION_KEY, None)
    if isinstance(entry, dict) and entry.get("token"):
        token = str(entry["token"])
        # The token names a directory directly under the root, nothing else.
        if token.replace("-", "").replace("_", "").isalnum():
            shutil.rmtree(upload_root() / token, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def _run(request: HttpRequest, path: Path, *, dry_run: bool) -> ImportReport | str:
    """Raises LockHeld when another import (command line or upload) is running."""
    try:
        # Streamed from the stored file, as the command reads it: never all rows in memory.
        table = open_table(path)
        with import_lock(f"upload by {request.user.get_username()}"):
            return run_import(importers()[ENTITY], table, actor=request.user, dry_run=dry_run)
    except FileRefused as exc:
        return str(exc)


def _import_running(request: HttpRequest, context: dict[str, Any], refused: str) -> HttpResponse:
    """503 + Retry-After: nothing is wrong with the file, the same step works later."""
    context["refused"] = refused
    response = _page(request, context, status=503)
    response["Retry-After"] = str(retry_after())
    return response


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("form", UploadForm())
    context["limit_mb"] = _megabytes(MAX_UPLOAD_BYTES)
    return render(request, TEMPLATE, context, status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: HttpRequest) -> HttpResponseBase:
    """The upload page. The size limit is applied while the file arrives, which has to be
    set up before anything reads the request body; the CSRF check follows right after."""
    limiter = _SizeLimit(request, MAX_UPLOAD_BYTES)
    if request.method == "POST":
        # Without effect when something read the body already; the form checks the size then.
        request.upload_handlers.insert(0, limiter)
    return _upload(request, limiter)


@csrf_protect
@officer_required
def _upload(request: HttpRequest, limiter: _SizeLimit) -> HttpResponse:
    if request.method != "POST":
        return _page(request, {})
    form = UploadForm(request.POST, request.FILES, too_large=limiter.exceeded)
    if not form.is_valid():
        form.style()
        return _page(request, {"form": form}, status=400)
    _forget(request)  # one waiting file per session: a new upload replaces the last
    upload_file: UploadedFile[bytes] = form.cleaned_data["file"]
    token, path = _store(upload_file)
    try:
        report = _run(request, path, dry_run=True)
    except PermissionDenied as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        return forbidden(request, str(exc))
    except LockHeld:
        shutil.rmtree(path.parent, ignore_errors=True)
        return _import_running(
            request,
            {"file_name": upload_file.name},
            _(
                "Another import is running; nothing was checked or written. Upload the file "
                "again in a minute."
            ),
        )
    context: dict[str, Any] = {"file_name": upload_file.name, "stage": "preview"}
    if isinstance(report, str) or report.problems:
        shutil.rmtree(path.parent, ignore_errors=True)
        context["refused"] = report if isinstance(report, str) else ""
        context["report"] = report if not isinstance(report, str) else None
        return _page(request, context, status=400)
    request.session[SESSION_KEY] = {
        "token": token,
        "name": path.name,
        "file_name": upload_file.name,
        "at": timezone.now().isoformat(),
    }
    context.update(report=report, token=token)
    return _page(request, context)


@require_http_methods(["POST"])
@officer_required
def confirm(request: HttpRequest) -> HttpResponseBase:
    token = request.POST.get("token", "")
    path = _pending(request, token)
    if request.POST.get("cancel"):
        if path is not None:
            _forget(request)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect("web:workspace_import")
    if path is None:
        return _page(
            request,
            {
                "refused": _(
                    "This upload is no longer waiting (it was imported, cancelled, is older "
                    "than an hour, or belongs to another session): upload the file again."
                )
            },
            status=400,
        )
    entry = request.session.get(SESSION_KEY) or {}
    try:
        report = _run(request, path, dry_run=False)
    except PermissionDenied as exc:
        _forget(request)
        return forbidden(request, str(exc))
    except LockHeld:
        # The file keeps waiting, so the same confirmation works once the other one ends.
        return _import_running(
            request,
            {"file_name": entry.get("file_name", path.name)},
            _(
                "Another import is running; nothing was written. Your file is still waiting: "
                "go back and confirm it again in a minute."
            ),
        )
    _forget(request)
    context: dict[str, Any] = {"file_name": entry.get("file_name", path.name), "stage": "done"}
    if isinstance(report, str):
        context["refused"] = report
        return _page(request, context, status=400)
    context["report"] = report
    return _page(request, context, status=400 if report.problems else 200)


@require_safe
@officer_required
def template(request: HttpRequest) -> HttpResponseBase:
    """The empty template, in the reader's language."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_template(importers()[ENTITY], handle.name)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{ENTITY}-template.xlsx")
