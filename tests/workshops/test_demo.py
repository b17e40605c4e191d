"""The workshops demo data: the Strategic Conference's call for proposals, a few
proposals scored, and a workshop led by the speaker who may not be named."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from events.models import Speaker
from tests.crawl import body, crawl
from workshops.models import ProposalReview, Workshop, WorkshopCall, WorkshopProposal

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_strategic_edition_has_a_call_with_scored_proposals_idempotently(
    settings,
):
    settings.DEMO_DATA_ALLOWED = True
    _load()
    counts = (WorkshopProposal.objects.count(), ProposalReview.objects.count())
    _load()

    call = WorkshopCall.objects.get(edition__slug="strategic-2027")
    assert call.is_open()
    assert (WorkshopProposal.objects.count(), ProposalReview.objects.count()) == counts
    assert call.proposals.count() == 3
    scored = [p for p in call.proposals.all() if p.reviews.count() == 2]
    assert len(scored) == 2
    assert call.proposals.filter(proposer__email="delegate@police.uk").exists()
    unnamed = Speaker.objects.get(may_be_named=False, slug="covert-lead")
    assert Workshop.objects.filter(
        edition__slug="strategic-2027", facilitators=unnamed, published=True
    ).exists()

    # The demo's unnamed leader is nowhere on the public site.
    seen = crawl(Client())
    workshops = reverse("workshops_public:edition", args=["strategic-2027"])
    assert seen[workshops].status_code == 200
    assert "Speaker to be confirmed" in body(seen[workshops]).decode()
    assert [p for p in seen if unnamed.display_name.encode() in body(seen[p])] == []
