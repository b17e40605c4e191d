import pytest

from .backends import AfterAcceptSMTPBackend
from .smtp import SMTPSink


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on a free port, wired in as the outbox's mail server."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "tests.socex.mail.backends.AfterAcceptSMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    AfterAcceptSMTPBackend.after_accept = None
    sink.stop()
