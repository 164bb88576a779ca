"""Probes for the real services (PostgreSQL, Redis), used by the test settings and `make test`."""

import socket
from urllib.parse import urlparse


def postgres_url_if_reachable(url: str) -> str | None:
    """Return `url` when a PostgreSQL server accepts a connection there, else None."""
    try:
        import psycopg

        parsed = urlparse(url)
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            dbname=parsed.path.lstrip("/") or "postgres",
            connect_timeout=2,
        ):
            return url
    except Exception:
        return None


def redis_url_if_reachable(url: str) -> str | None:
    """Return `url` when a Redis server answers PING there, else None."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return url if sock.recv(16).startswith(b"+PONG") else None
    except OSError:
        return None
