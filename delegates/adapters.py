from allauth.account.adapter import DefaultAccountAdapter

from socex.mail.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's messages (verification, password reset) through the outbox."""

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
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
