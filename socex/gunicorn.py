"""gunicorn configuration: ``gunicorn -c python:socex.gunicorn socex.wsgi:application``.

Used by docker-compose.yml, the Dockerfile and benchmarks/gunicorn_server.py. The app is
loaded once in the master and warmed there before forking (imports, the URL resolver,
compiled templates of the hot pages, a request to each through the WSGI app), so every
worker starts with what the first requests would otherwise pay for; each worker then
opens its own database connection and starts its task publisher
(``socex.tasks.publish_batching_start``, ``TASK_PUBLISH_LINGER``), which it flushes
on exit. Command-line options override these.

Access and error lines go through ``SecretsRedactingLogger``: the secret of an emailed
link (a speaker invitation, a substitution, a password reset) is replaced before the
line is written, in the request line, the path and the referer alike, as
``socex.log_filters`` does for Django's own log.

Environment: ``GUNICORN_BIND`` (0.0.0.0:8000), ``GUNICORN_WORKERS`` (3),
``GUNICORN_THREADS`` (1: sync workers; more: gthread), ``GUNICORN_TIMEOUT`` (30).
"""

# gunicorn reads this file before the app (and Django) is loaded: every Django import
# happens inside the hooks, which run once the app is.
# ruff: noqa: PLC0415

import logging
import os
import time

from gunicorn.glogging import Logger as GunicornLogger

from socex.log_filters import RedactSecretsFilter

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None


class SecretsRedactingLogger(GunicornLogger):
    """gunicorn's logger, with the secrets of emailed links kept out of its lines."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecretsFilter) for f in log.filters):
                log.addFilter(RedactSecretsFilter())


logger_class = SecretsRedactingLogger

logger = logging.getLogger("socex.gunicorn")

# Templates every public burst renders; compiled once in the master.
HOT_TEMPLATES = [
    "base.html",
    "events/home.html",
    "events/edition_detail.html",
    "events/edition_agenda.html",
    "events/edition_speakers.html",
    "delegates/dashboard.html",
    "delegates/register.html",
    "delegates/profile_form.html",
    "account/login.html",
    "account/signup.html",
    "404.html",
    "500.html",
    "503.html",
    "bootstrap5/field.html",
    "bootstrap5/errors.html",
    # The emails a registration drafts.
    *(
        f"emails/{name}"
        for name in (
            "base.html",
            "base.txt",
            "_event_details.html",
            "_event_details.txt",
        )
    ),
    *(
        f"emails/registration_{status}.{kind}"
        for status in ("confirmed", "waitlisted", "received")
        for kind in ("html", "txt", "subject.txt")
    ),
]


def _warm_request(path: str) -> None:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    # The handler socex.wsgi serves (already loaded: importing it again here would
    # re-run django.setup() and its logging configuration).
    application = WSGIHandler()

    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*",)]
    host = (hosts[0].lstrip(".") if hosts else "localhost") or "localhost"
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="GET",
        HTTP_HOST=host,
        HTTP_X_FORWARDED_PROTO="https",
    )
    environ["wsgi.url_scheme"] = "https"
    response = application(environ, lambda status, headers, exc_info=None: None)
    try:
        for _chunk in response:
            pass
    finally:
        response.close()


def warm_up() -> None:
    """Touch what first requests need, in this process; leave no connection open."""
    import allauth.account.views  # noqa: F401
    import crispy_forms.templatetags.crispy_forms_tags  # noqa: F401
    from django.db import connections
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import get_resolver

    started = time.monotonic()
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - builds the reverse lookup tables
    for name in HOT_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            logger.info("warm-up: no template %s", name)
    # The hot paths' reads, compiled once here rather than in every worker.
    from socex.db import compiled_queries_warm_up

    compiled = compiled_queries_warm_up()
    for path in ("/", "/accounts/login/", "/healthz"):
        try:
            _warm_request(path)
        except Exception:  # a warm-up must never stop the server from starting
            logger.warning("warm-up request to %s failed", path, exc_info=True)
    # Connections must not be shared with the forked workers.
    connections.close_all()
    logger.info(
        "warm-up took %.2fs (%d compiled queries)", time.monotonic() - started, compiled
    )


def when_ready(server) -> None:
    warm_up()


def post_worker_init(worker) -> None:
    """Open this worker's database connection before its first request, and
    start its task publisher (``TASK_PUBLISH_LINGER``)."""
    from django.conf import settings
    from django.db import DatabaseError, connection

    from socex.tasks import publish_batching_start

    if settings.TASK_PUBLISH_LINGER > 0:
        publish_batching_start(linger=settings.TASK_PUBLISH_LINGER)

    try:
        connection.ensure_connection()
    except DatabaseError:
        worker.log.warning("database not reachable yet; first request will retry")


def worker_exit(server, worker) -> None:
    """Publish the tasks this worker's requests left waiting before it exits."""
    from socex.tasks import publish_batching_stop

    publish_batching_stop()
