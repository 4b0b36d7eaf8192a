"""Who may see which district: the one place the access rules live (pages and API call these)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from orchestration.portal.models import Kiriman
from orchestration.portal.uploads import districts


def is_balai(user) -> bool:
    """Balai staff (is_staff) see every district and may upload on a district's behalf."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def own_district(user) -> str | None:
    profil = getattr(user, "profil_portal", None) if user and user.is_authenticated else None
    return (profil.kode_kabupaten or None) if profil else None


def allowed_districts(user) -> list[str]:
    if is_balai(user):
        return list(districts())
    kode = own_district(user)
    return [kode] if kode in districts() else []


def require_district(user, kode: str) -> str:
    """404, not 403, for a district the user may not see: no hint that it exists."""
    if kode not in allowed_districts(user):
        raise Http404("Tidak ditemukan")
    return kode


def kiriman_for(user, pk: int) -> Kiriman:
    return get_object_or_404(Kiriman.objects.filter(kode_kabupaten__in=allowed_districts(user)), pk=pk)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes lockout: JSON for the API, the Indonesian page otherwise (HTTP 429 either way)."""
    message = "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 15 menit."
    if request.path.startswith("/api/"):
        return JsonResponse({"galat": message}, status=429)
    return render(request, "portal/terkunci.html", {"pesan": message}, status=429)
