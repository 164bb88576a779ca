"""Concurrent users on the back-office, bounded and local: `python manage.py bench_load [--users 20]
[--seconds 30] [--workers 2] [--port 0]`.

Starts gunicorn (`--workers` sync workers, DEBUG off as in production) on 127.0.0.1 only, on a free
port, against the configured database; logs in `--users` staff accounts (sessions made by the test client's force_login, with the
TOTP the back-office requires activated); then each user, in its own thread, asks in turn for the
contract list and the training-funding simulator (a computed schedule) for `--seconds` seconds, with no
pause. Prints p50 / p95, requests per second and errors per page, and as its last line one JSON object:
{"users", "seconds", "list": {"p50_ms", "p95_ms", "rps", "errors"}, "simulator": {…}}. Gunicorn is
stopped at the end, whatever happens. Nothing is written but the bench users and their sessions.
"""

import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from accounts.enums import UserKind
from accounts.models import User

SIMULATION = {
    "rncp": "RNCP37566",
    "certification_level": "3",
    "idcc": "1486",
    "signature_date": "2026-08-25",
    "start_date": "2026-09-01",
    "end_date": "2028-08-31",
    "npec": "8000",
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Charge locale bornée : N utilisateurs connectés sur la liste des contrats et le simulateur (gunicorn, 127.0.0.1)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--seconds", type=int, default=30)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--port", type=int, default=0, help="port local (défaut : un port libre)")

    def handle(self, *args, users, seconds, workers, port, **options):
        if not (1 <= users <= 100 and 1 <= seconds <= 300 and 1 <= workers <= 8):
            raise CommandError("Bornes : 1 à 100 utilisateurs, 1 à 300 secondes, 1 à 8 workers.")
        port = port or free_port()
        cookies = [self.session_cookie(index) for index in range(users)]
        pages = {"list": reverse("contracts:list"), "simulator": reverse("contracts:simulator")}
        query = "&".join(f"{key}={value}" for key, value in SIMULATION.items())
        paths = {"list": pages["list"], "simulator": f"{pages['simulator']}?{query}"}
        # The server runs as in production (DEBUG off: no query log, no debug templates), with this process's
        # secret key so that the sessions made here are valid there; plain HTTP on the loopback only.
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        env.setdefault("SESSION_COOKIE_SECURE", "0")
        server = subprocess.Popen(  # noqa: S603 — fixed arguments, bound to the loopback only
            [
                sys.executable,
                "-m",
                "gunicorn",
                "opco.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
        )
        try:
            self.wait_ready(port, paths["list"], cookies[0])
            results = self.run(port, paths, cookies, seconds)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        figures = {"users": users, "seconds": seconds}
        for name, (timings, errors) in results.items():
            figures[name] = {
                "p50_ms": round(statistics.median(timings), 1) if timings else None,
                "p95_ms": round(percentile(timings, 0.95), 1) if timings else None,
                "rps": round(len(timings) / seconds, 1),
                "errors": errors,
            }
            self.stdout.write(
                f"{name} : p50 {figures[name]['p50_ms']} ms, p95 {figures[name]['p95_ms']} ms, "
                f"{figures[name]['rps']} requêtes/s, {errors} erreur(s)"
            )
        self.stdout.write(json.dumps(figures))

    def session_cookie(self, index: int) -> str:
        from accounts.totp import totp_activate

        user, created = User.objects.get_or_create(
            email=f"banc-charge-{index}@opco.local",
            defaults={"kind": UserKind.STAFF, "first_name": "Charge", "last_name": str(index)},
        )
        if created:
            user.set_unusable_password()
            user.save()
            totp_activate(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def request(self, port: int, path: str, cookie: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def wait_ready(self, port: int, path: str, cookie: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status = self.request(port, path, cookie)
            except OSError:
                time.sleep(0.3)
                continue
            if status != 200:
                raise CommandError(f"La liste des contrats répond {status} au lieu de 200 : charge non mesurée.")
            return
        raise CommandError("gunicorn n'a pas répondu en 60 s.")

    def run(self, port: int, paths: dict, cookies: list[str], seconds: int) -> dict:
        results = {name: ([], 0) for name in paths}
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def user(cookie: str, offset: int) -> None:
            names = list(paths)
            turn = offset
            while time.monotonic() < stop:
                name = names[turn % len(names)]
                turn += 1
                started = time.perf_counter()
                try:
                    ok = self.request(port, paths[name], cookie) == 200
                except OSError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    timings, errors = results[name]
                    if ok:
                        timings.append(elapsed)
                    else:
                        results[name] = (timings, errors + 1)

        threads = [threading.Thread(target=user, args=(cookie, index)) for index, cookie in enumerate(cookies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results
