"""`p3jr portal serve|add-user|sinkron|manage`: the portal's commands (orchestration/cli.py delegates here)."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import sys


def _setup() -> None:
    from django.core.management import call_command

    from orchestration.portal import setup_django

    setup_django()
    call_command("migrate", interactive=False, verbosity=0)


def cmd_serve(args: argparse.Namespace) -> int:
    """Embedded server (Django's threaded WSGI server) + static files of the admin; runs requested
    beside it with `p3jr run`. Production uses gunicorn behind a reverse proxy instead (deploy/portal/)."""
    _setup()
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    from orchestration.portal import runs

    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(
            f"Peringatan: portal terbuka di {args.host}, bukan hanya di komputer ini. Untuk produksi pakai "
            "gunicorn di belakang reverse proxy HTTPS (deploy/portal/).",
            file=sys.stderr,
        )
    runs.start_background()
    print(
        f"Portal kabupaten berjalan di http://{args.host}:{args.port}/  (data: {settings.P3JR['data_dir']}, "
        f"folder kiriman: {settings.P3JR['landing_dir']}, pemicu run: {settings.P3JR['trigger']})",
        flush=True,
    )
    try:
        run(
            args.host,
            args.port,
            StaticFilesHandler(get_wsgi_application()),
            ipv6=":" in args.host,
            threading=True,
            server_cls=WSGIServer,
        )
    except KeyboardInterrupt:
        pass
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Kata sandi: ")
        if first != getpass.getpass("Ulangi kata sandi: "):
            raise SystemExit("Kata sandi tidak sama.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_add_user(args: argparse.Namespace) -> int:
    """Create or update a user; the password comes from standard input (never the command line)."""
    from orchestration.portal.uploads import districts

    if args.district and args.district not in districts():
        print(f"Kode kabupaten tidak dikenal: {args.district}. Kode yang sah: {' '.join(districts())}", file=sys.stderr)
        return 2
    if not args.district and not args.admin:
        print("--district 53.KK wajib untuk pengguna kabupaten (atau --admin untuk staf Balai).", file=sys.stderr)
        return 2
    password = _read_password()
    _setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from orchestration.portal.models import Profil

    User = get_user_model()
    user = User.objects.filter(username=args.username).first() or User(username=args.username)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        print("Kata sandi ditolak: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    created = user.pk is None
    user.is_staff = user.is_superuser = bool(args.admin)
    user.is_active = True
    user.set_password(password)
    user.save()
    Profil.objects.update_or_create(user=user, defaults={"kode_kabupaten": args.district or ""})
    role = "staf Balai (admin)" if args.admin else f"kabupaten {args.district}"
    print(f"Pengguna {args.username} {'dibuat' if created else 'diperbarui'}: {role}.")
    return 0


def cmd_sinkron(args: argparse.Namespace) -> int:
    """Copy every file's outcome from the warehouse into the portal (e.g. after the nightly run)."""
    _setup()
    from orchestration.portal import outcomes

    ok = outcomes.collect()
    print("Hasil kiriman diperbarui." if ok else "Warehouse belum ada atau sedang dipakai; coba lagi nanti.")
    return 0 if ok else 1


def cmd_manage(args: argparse.Namespace) -> int:
    """Any Django management command (migrate, collectstatic, changepassword, axes_reset, ...)."""
    from django.core.management import execute_from_command_line

    from orchestration.portal import setup_django

    setup_django()
    execute_from_command_line(["p3jr portal manage", *args.args])
    return 0


def add_parser(sub) -> None:
    """Register `portal` on the main `p3jr` parser."""
    p = sub.add_parser("portal", help="portal kabupaten/kota (Django) / the district portal")
    ps = p.add_subparsers(dest="portal_cmd", required=True)
    s = ps.add_parser("serve", help="jalankan portal (bawaan: hanya 127.0.0.1)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)
    u = ps.add_parser("add-user", help="buat/ubah pengguna; kata sandi dibaca dari stdin")
    u.add_argument("--username", required=True)
    u.add_argument("--district", help="kode kabupaten 53.KK")
    u.add_argument("--admin", action="store_true", help="staf Balai: semua kabupaten, halaman admin")
    u.set_defaults(func=cmd_add_user)
    y = ps.add_parser("sinkron", help="salin hasil semua berkas dari warehouse ke portal")
    y.set_defaults(func=cmd_sinkron)
    m = ps.add_parser("manage", help="perintah Django (migrate, collectstatic, axes_reset, ...)")
    m.add_argument("args", nargs=argparse.REMAINDER)
    m.set_defaults(func=cmd_manage)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p3jr")
    add_parser(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(["portal", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
