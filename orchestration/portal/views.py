"""Pages (Indonesian): Masuk, Unggah data, Status kiriman, Umpan balik, Peringkat."""

from __future__ import annotations

import logging
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from orchestration.lib.reports.feedback import feedback_path
from orchestration.portal import access, runs
from orchestration.portal.models import PENDING, BarisKarantina, Kiriman
from orchestration.portal.ranking import load_ranking
from orchestration.portal.uploads import UploadRejected, districts

log = logging.getLogger(__name__)
MAX_FILES = 10
KARANTINA_PER_PAGE = 50


class SizeLimit(FileUploadHandler):
    """Stops reading an uploaded file once it passes the limit (the rest of the body is discarded)."""

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.total = 0

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        if self.total > self.max_bytes:
            self.request.p3jr_terlalu_besar = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        self.total = 0
        return None


def too_large(request) -> bool:
    """Checked before the body is read: a request larger than MAX_FILES files at the limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > MAX_FILES * settings.MAX_UPLOAD_BYTES + 1024 * 1024


def limit_uploads(request) -> None:
    request.upload_handlers.insert(0, SizeLimit(request, settings.MAX_UPLOAD_BYTES))


def _nav(request, kode: str | None = None) -> dict:
    user = request.user
    kode = kode or access.own_district(user)
    return {
        "kode": kode,
        "nama": districts().get(kode or "", ""),
        "balai": access.is_balai(user),
        "districts": districts() if access.is_balai(user) else {},
    }


def _home(request, page: str):
    kode = access.own_district(request.user)
    if access.is_balai(request.user):
        return render(
            request, "portal/pilih_kabupaten.html", {**_nav(request), "halaman": page, "daftar": districts().items()}
        )
    if not kode or kode not in districts():
        raise Http404("Tidak ditemukan")
    return redirect(f"portal:{page}", kode=kode)


@login_required
def beranda(request):
    return redirect("portal:status_saya")


@login_required
def status_saya(request):
    return _home(request, "status")


@login_required
def unggah_saya(request):
    return _home(request, "unggah")


@login_required
def umpan_balik_saya(request):
    return _home(request, "umpan_balik")


class UnggahForm(forms.Form):
    """Only the CSRF-protected form; the files are read from request.FILES (several at once)."""


@csrf_exempt  # the upload handler must be set before CSRF reads the body; csrf_protect follows
def unggah(request, kode: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:masuk')}?next={request.path}")
    access.require_district(request.user, kode)
    if request.method == "POST":
        if too_large(request):
            return HttpResponse("Berkas melebihi batas ukuran.", status=413)
        limit_uploads(request)
    return _unggah(request, kode)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _unggah(request, kode: str):
    ctx = {**_nav(request, kode), "batas_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "GET":
        return render(request, "portal/unggah.html", ctx)
    files = request.FILES.getlist("berkas")
    if getattr(request, "p3jr_terlalu_besar", False):
        messages.error(request, f"Berkas melebihi batas {ctx['batas_mb']} MB; tidak ada yang disimpan.")
        return render(request, "portal/unggah.html", ctx, status=413)
    if not files or len(files) > MAX_FILES:
        messages.error(request, f"Pilih 1 sampai {MAX_FILES} berkas.")
        return render(request, "portal/unggah.html", ctx, status=400)
    accepted, status = 0, 200
    for f in files:
        try:
            runs.receive(f.chunks(), f.name, kode, request.user)
            accepted += 1
        except UploadRejected as exc:
            messages.error(request, f"{exc}")
            status = 415 if "Isi berkas" in str(exc) or "Jenis berkas" in str(exc) else 400
    if accepted:
        runs.request_run(kode)
        messages.success(request, f"{accepted} berkas diterima dan sedang menunggu diproses.")
        return redirect("portal:status", kode=kode)
    return render(request, "portal/unggah.html", ctx, status=status)


@login_required
@require_GET
def status(request, kode: str):
    access.require_district(request.user, kode)
    items = Kiriman.objects.filter(kode_kabupaten=kode).select_related("diunggah_oleh")
    pending = items.filter(status__in=PENDING).exists()
    return render(request, "portal/status.html", {**_nav(request, kode), "items": items, "pending": pending})


@login_required
@require_GET
def umpan_balik(request, kode: str):
    access.require_district(request.user, kode)
    rows = (
        BarisKarantina.objects.filter(kode_kabupaten=kode, kiriman__masih_di_folder=True)
        .select_related("kiriman")
        .order_by("kiriman__nama_berkas", "sheet", "baris", "id")
    )
    page = Paginator(rows, KARANTINA_PER_PAGE).get_page(request.GET.get("halaman"))
    return render(
        request,
        "portal/umpan_balik.html",
        {**_nav(request, kode), "page": page, "ada_berkas": feedback_file(kode) is not None},
    )


def feedback_file(kode: str) -> Path | None:
    """The district's workbook, built by the pipeline; served only through the access check."""
    root = Path(settings.P3JR["feedback_dir"]).resolve()
    path = feedback_path(root, kode).resolve()
    return path if path.parent.parent == root and path.is_file() else None


def send_feedback(kode: str) -> FileResponse:
    path = feedback_file(kode)
    if path is None:
        raise Http404("Berkas umpan balik belum tersedia")
    response = FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=path.name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def unduh_umpan_balik(request, kode: str):
    access.require_district(request.user, kode)
    return send_feedback(kode)


@login_required
@require_GET
def peringkat(request):
    ranking = load_ranking()
    return render(request, "portal/peringkat.html", {**_nav(request), "ranking": ranking})
