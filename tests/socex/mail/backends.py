"""Django's SMTP backend with a hook that runs right after the server accepted a
message: where a worker can die or lose its database connection before the row's
``sent`` is committed."""

from django.core.mail.backends.smtp import EmailBackend


class AfterAcceptSMTPBackend(EmailBackend):
    after_accept = None  # set by a test: called with the accepted message

    def _send(self, email_message):
        sent = super()._send(email_message)
        hook = type(self).after_accept
        if sent and hook is not None:
            hook(email_message)
        return sent
