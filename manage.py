#!/usr/bin/env python
"""Django's command-line utility for the OPCO back-office."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opco.settings")
    # manage.py is the developer's tool: without DEBUG in the environment (or .env) it runs in
    # development mode. Production sets DEBUG=0 (README); gunicorn (wsgi.py) and Celery never
    # take this default, so a server without SECRET_KEY still refuses to start.
    if "DEBUG" not in os.environ and not _env_file_sets_debug():
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _env_file_sets_debug() -> bool:
    env_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env")
    if not os.path.exists(env_file):
        return False
    with open(env_file, encoding="utf-8") as handle:
        return any(line.strip().startswith("DEBUG=") for line in handle)


if __name__ == "__main__":
    main()
