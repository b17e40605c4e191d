from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.template.loader import render_to_string

from socex.mail.services import email_queue_message

# allauth's messages that only notify (no link or code that grants access). Every
# other allauth message is treated as carrying a secret: deny by default, so a new
# allauth email with a token is never stored readable.
NOTIFICATIONS = {
    "email_changed",
    "email_deleted",
    "password_changed",
    "password_set",
    "unknown_account",
    "recovery_codes_generated",
    "totp_activated",
    "totp_deactivated",
    "webauthn_added",
    "webauthn_removed",
}
# Context entries that hold a token, whatever the template.
SECRET_CONTEXT = {"key", "code", "token", "activate_url", "password_reset_url"}


def carries_secret(template_prefix: str, context: dict) -> bool:
    name = template_prefix.rsplit("/", 1)[-1]
    return name not in NOTIFICATIONS or bool(SECRET_CONTEXT & context.keys())


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's messages (verification, password reset) through the outbox,
    in the site's layout (text and HTML, its name and footer:
    ``templates/account/email/base_message.txt`` and ``emails/account_message.html``);
    those carrying a link or code are queued as secret (encrypted, never shown,
    body removed once sent)."""

    def send_mail(self, template_prefix, email, context):
        # The same context allauth's own send_mail builds (the site's name and
        # domain, the request, the address), then queue instead of sending.
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_url": settings.SITE_URL,
        }
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        ) or self._branded_html(template_prefix, ctx, subject=message.subject)
        email_queue_message(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            template=template_prefix.rsplit("/", 1)[-1],
            secret=carries_secret(template_prefix, context),
        )

    def _branded_html(self, template_prefix: str, context: dict, *, subject: str):
        """The HTML part: the message's own words (without the text layout's header
        and footer) in the site's email layout."""
        body = render_to_string(
            f"{template_prefix}_message.txt",
            {**context, "content_only": True},
            request=context.get("request"),
        ).strip()
        return render_to_string(
            "emails/account_message.html",
            {"subject": subject, "body": body, "site_url": settings.SITE_URL},
        )
