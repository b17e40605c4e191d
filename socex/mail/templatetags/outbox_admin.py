from django import template

from ..selectors import outbox_problem_counts

register = template.Library()


@register.inclusion_tag("admin/mail/outbox_notice.html", takes_context=True)
def outbox_notice(context) -> dict:
    """Failed and long-delayed emails, for staff who may see the outbox."""
    request = context["request"]
    user = request.user
    if not user.has_perm("mail.view_outboxemail"):
        return {"show": False}
    counts = outbox_problem_counts()
    return {
        "show": bool(counts["failed"] or counts["delayed"]),
        "counts": counts,
        "can_retry": user.has_perm("mail.change_outboxemail") and counts["failed"],
        "csrf_token": context.get("csrf_token"),
    }
