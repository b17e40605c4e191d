from django import template
from django.utils.formats import date_format

from events import selectors

register = template.Library()


@register.simple_tag
def edition_links(edition) -> list[dict]:
    """The tabs other apps add to an edition's pages (no query)."""
    return selectors.edition_links(edition=edition)


@register.filter
def date_range(edition) -> str:
    """ "22–23 May 2019", "30 April – 1 May 2027" or "1 May 2027"."""
    start, end = edition.start_date, edition.end_date
    if start == end:
        return date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"
