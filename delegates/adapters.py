from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from socex.mail.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's messages (verification, password reset) through the outbox."""

    def send_mail(self, template_prefix, email, context):
        # The same context allauth's own send_mail builds (the site's name and
        # domain, the request, the address), then queue instead of sending.
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
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
        )
        email_queue_message(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            template=template_prefix.rsplit("/", 1)[-1],
        )
