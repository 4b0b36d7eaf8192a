"""JSON API (/api/v1/), same access rules as the pages. Bearer tokens only (never the session
cookie, so no CSRF exposure): a django.core.signing token that expires and dies with a password change."""

from __future__ import annotations

import json
import logging
from functools import wraps

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate, get_user_model
from django.core import signing
from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from orchestration.portal import access, runs
from orchestration.portal.ranking import load_ranking
from orchestration.portal.uploads import UploadRejected
from orchestration.portal.views import MAX_FILES, limit_uploads, send_feedback, too_large

log = logging.getLogger(__name__)
TOKEN_SALT = "p3jr.portal.api.token"
TOKEN_MAX_AGE_S = 12 * 3600


def make_token(user) -> str:
    return signing.dumps({"u": user.pk, "s": user.get_session_auth_hash()}, salt=TOKEN_SALT, compress=True)


def user_from_token(token: str):
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE_S)
        user = get_user_model().objects.get(pk=data["u"], is_active=True)
    except (signing.BadSignature, KeyError, TypeError, get_user_model().DoesNotExist):
        return None
    return user if constant_time_compare(str(data.get("s", "")), user.get_session_auth_hash()) else None


def _error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"galat": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="p3jr"'
    return response


def bearer(view):
    """401 without a valid Bearer token; request.user is the token's user. 404s become JSON."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        user = user_from_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            return _error("Token tidak ada, tidak sah atau kedaluwarsa.", 401)
        request.user = user
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error("Tidak ditemukan.", 404)

    return csrf_exempt(wrapper)


@csrf_exempt
@require_POST
def token(request):
    try:
        body = json.loads(request.body or b"{}")
        username, password = str(body["username"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        return _error("Kirim JSON berisi username dan password.", 400)
    try:
        user = authenticate(request, username=username, password=password)
    except AxesBackendPermissionDenied:
        return access.lockout_response(request)
    if getattr(request, "axes_locked_out", False):
        return access.lockout_response(request)
    if user is None or not user.is_active:
        return _error("Nama pengguna atau kata sandi salah.", 401)
    return JsonResponse({"token": make_token(user), "kedaluwarsa_detik": TOKEN_MAX_AGE_S})


def kiriman_json(k) -> dict:
    return {
        "id": k.pk,
        "status": k.status,
        "kode_kabupaten": k.kode_kabupaten,
        "nama_berkas": k.nama_berkas,
        "diterima_pada": k.diterima_pada.isoformat(),
        "baris_dibaca": k.baris_dibaca,
        "baris_diterima": k.baris_diterima,
        "baris_karantina": k.baris_karantina,
        "alasan": k.alasan,
        "diunggah_oleh": k.diunggah_oleh.username if k.diunggah_oleh else None,
    }


@bearer
def kiriman(request):
    if request.method != "POST":
        return _error("Metode tidak diizinkan.", 405)
    if too_large(request):
        return _error("Berkas melebihi batas ukuran.", 413)
    limit_uploads(request)
    berkas = request.FILES.getlist("berkas")
    if getattr(request, "p3jr_terlalu_besar", False):
        return _error("Berkas melebihi batas ukuran.", 413)
    kode = request.POST.get("kode_kabupaten") or access.own_district(request.user)
    if request.POST.get("kode_kabupaten") and not access.is_balai(request.user):
        access.require_district(request.user, request.POST["kode_kabupaten"])
    if not kode:
        return _error("kode_kabupaten wajib untuk pengguna Balai.", 400)
    access.require_district(request.user, kode)
    if len(berkas) != 1:
        return _error("Kirim tepat satu berkas pada field 'berkas'.", 400)
    try:
        k = runs.receive(berkas[0].chunks(), berkas[0].name, kode, request.user)
    except UploadRejected as exc:
        kind = "Isi berkas" in str(exc) or "Jenis berkas" in str(exc)
        return _error(str(exc), 415 if kind else (413 if "batas" in str(exc) else 400))
    runs.request_run(kode)
    return JsonResponse({"id": k.pk, "status": k.status}, status=201)


@bearer
@require_GET
def kiriman_detail(request, pk: int):
    return JsonResponse(kiriman_json(access.kiriman_for(request.user, pk)))


@bearer
@require_GET
def umpan_balik(request, kode: str):
    access.require_district(request.user, kode)
    return send_feedback(kode)


@bearer
@require_GET
def peringkat(request):
    ranking = load_ranking()
    if ranking is None:
        return _error("Peringkat belum diterbitkan.", 404)
    return JsonResponse(ranking)


__all__ = ["MAX_FILES"]
