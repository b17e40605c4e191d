"""Every staff role against every admin action and every custom staff URL.

The actions are discovered from ``admin.site._registry`` (so an action added later is
walked too) and must declare ``permissions=``; the staff URLs are the extra URLs of
each ModelAdmin's ``get_urls()`` and every view guarded by
``staff_permission_required`` (the check-in pages). One table says which permissions
each needs; each role (and a staff member with no group, and a superuser) must be
offered or refused accordingly, and a refused action or URL, POSTed anyway, changes
nothing.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from delegates.badges.models import Badge, BadgePrintJob
from delegates.badges.services import badge_ensure
from delegates.models import Message, Registration
from events.models import Submission
from events.speaking.services import invitation_create, submission_create
from socex.mail.models import OutboxEmail
from socex.roles.definitions import ROLES
from tests.factories.accounts import UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops.models import (
    Allocation,
    EditionSignInSheets,
    SignInSheet,
    WorkshopCall,
    WorkshopChoice,
    WorkshopProposal,
)

pytestmark = pytest.mark.django_db

APPROVE = "delegates.approve_registration"
EXPORT = "delegates.export_registration"
PRINT = "delegates.add_badgeprintjob"
CHECK_IN = "delegates.check_in"
REVIEW = "workshops.review_proposal"
DECIDE = "workshops.decide_proposal"
SEND = "delegates.send_message"
VIEW_ITEM = "events.view_submission"
REVIEW_ITEM = "events.review_submission"
ACCEPT = "events.accept_submission"
SPEAKER_EXPORT = "events.export_submission"
SUBSTITUTE = "delegates.substitute_registration"

# The one table: what a user must hold (all of it) to be offered each action or to
# open each staff URL. ``delete_selected`` is Django's: it needs the model's delete
# permission wherever the admin allows deleting at all.
ACTIONS = {
    ("delegates.registration", "approve"): {APPROVE},
    ("delegates.registration", "decline"): {APPROVE},
    ("delegates.registration", "move_to_waitlist"): {APPROVE},
    ("delegates.registration", "resend_confirmation"): {APPROVE},
    ("delegates.registration", "export_csv"): {EXPORT},
    ("delegates.registration", "export_xlsx"): {EXPORT},
    ("delegates.registration", "substitute"): {SUBSTITUTE},
    ("delegates.substitution", "approve"): {APPROVE},
    ("delegates.substitution", "decline"): {APPROVE},
    ("delegates.substitution", "withdraw"): {SUBSTITUTE},
    ("delegates.registration", "print_badges_single"): {PRINT},
    ("delegates.registration", "print_badges_sheet"): {PRINT},
    ("delegates.registration", "write_to_selected"): {SEND},
    ("events.edition", "print_badges_single"): {PRINT},
    ("events.edition", "print_badges_sheet"): {PRINT},
    ("events.edition", "duplicate_for_next_year"): {"events.add_edition"},
    ("delegates.badge", "render_again"): {"delegates.change_badge"},
    ("delegates.badgeprintjob", "resume"): {PRINT},
    ("workshops.workshopsettings", "allocate"): {"workshops.allocate"},
    ("workshops.workshoprun", "request_sheets"): {EXPORT},
    ("workshops.workshoprun", "export_csv"): {EXPORT},
    ("workshops.workshopproposal", "accept_proposals"): {DECIDE},
    ("workshops.workshopproposal", "decline_proposals"): {DECIDE},
    ("workshops.workshoprun", "request_edition_sheets"): {EXPORT},
    ("mail.outboxemail", "resend"): {"mail.change_outboxemail"},
    ("account.emailaddress", "make_verified"): {"account.change_emailaddress"},
    ("delegates.user", "erase_personal_data"): {"privacy.erase_person"},
    ("usersessions.usersession", "end_sessions"): {"usersessions.delete_usersession"},
    ("events.submission", "accept"): {ACCEPT},
    ("events.submission", "reopen"): {REVIEW_ITEM},
    ("events.submission", "lock_copresenters"): {"events.change_submission"},
    ("events.submission", "unlock_copresenters"): {"events.change_submission"},
    ("events.submissioninvitation", "resend"): {"events.change_submissioninvitation"},
    ("events.submissioninvitation", "revoke"): {"events.change_submissioninvitation"},
    ("workshops.workshop", "open_speaker_item"): {
        "workshops.change_workshop",
        "events.add_submission",
    },
}

# URL name -> [(method, permissions)]. Admin extras first, then the door pages.
STAFF_URLS = {
    "admin:delegates_registration_summary_index": [("GET", {EXPORT})],
    "admin:events_edition_venue": [("GET", {"events.change_edition"})],
    "admin:delegates_registration_summary": [("GET", {EXPORT})],
    "admin:delegates_registration_waiting_list_index": [
        ("GET", {"delegates.view_registration"})
    ],
    "admin:delegates_registration_waiting_list": [
        ("GET", {"delegates.view_registration"})
    ],
    "admin:delegates_badgeprintjob_print": [("GET", {PRINT})],
    "admin:delegates_badgeprintjob_download": [
        ("GET", {"delegates.view_badgeprintjob", EXPORT})
    ],
    "admin:delegates_badge_download": [("GET", {"delegates.view_badge", EXPORT})],
    "admin:workshops_workshoprun_csv": [
        ("GET", {"workshops.view_workshoprun", EXPORT})
    ],
    "admin:workshops_workshoprun_sheet": [
        ("GET", {"workshops.view_workshoprun", EXPORT})
    ],
    "admin:workshops_workshoprun_edition_sheets": [
        ("GET", {"workshops.view_workshoprun", EXPORT})
    ],
    "admin:workshops_workshoprun_sheet_request": [
        ("POST", {"workshops.view_workshoprun", EXPORT})
    ],
    "admin:workshops_workshopchoice_move": [
        ("GET", {"workshops.change_workshopchoice"})
    ],
    "admin:workshops_allocation_publish": [("POST", {"workshops.allocate"})],
    "admin:workshops_workshopproposal_review": [("GET", {REVIEW})],
    "admin:auth_user_password_change": [("GET", {"delegates.change_user"})],
    "admin:delegates_user_erase": [
        ("GET", {"delegates.view_user"}),
        ("POST", {"delegates.view_user", "privacy.erase_person"}),
    ],
    "admin:mail_outboxemail_retry_failed": [("POST", {"mail.change_outboxemail"})],
    "admin:delegates_message_test": [("POST", {SEND})],
    "admin:delegates_message_send": [("POST", {SEND})],
    "admin:delegates_message_resend_failed": [("POST", {SEND})],
    "admin:events_submission_review": [("GET", {VIEW_ITEM})],
    "admin:events_submission_request_changes": [("POST", {VIEW_ITEM, REVIEW_ITEM})],
    "admin:events_submission_accept": [("POST", {VIEW_ITEM, ACCEPT})],
    "admin:events_submission_invite": [
        ("GET", {VIEW_ITEM, "events.add_submissioninvitation"})
    ],
    "admin:events_submission_av_csv": [("GET", {VIEW_ITEM, SPEAKER_EXPORT})],
    "admin:events_submission_av_pdf": [("GET", {VIEW_ITEM, SPEAKER_EXPORT})],
    "admin:events_submission_arrivals_csv": [("GET", {VIEW_ITEM, SPEAKER_EXPORT})],
    "edition_dashboard": [("GET", {"events.view_edition"})],
    "badges:checkin_index": [("GET", {CHECK_IN})],
    "badges:checkin": [("GET", {CHECK_IN})],
    "badges:checkin_count": [("GET", {CHECK_IN})],
    "badges:attendance_csv": [("GET", {EXPORT})],
}

# The URLs every ModelAdmin has; anything else in get_urls() is a custom staff view.
STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")

NO_GROUP = "staff with no group"
SUPERUSER = "superuser"
WHO = [*ROLES, NO_GROUP, SUPERUSER]


def model_label(model) -> str:
    return model._meta.label_lower


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: model_label(item[0]))


def every_action():
    """(model admin, action name, function) for every action of every ModelAdmin,
    before any permission filtering."""
    for _model, model_admin in registered():
        for func, name, _description in model_admin._get_base_actions():
            yield model_admin, name, func


def admin_extra_urls():
    """(URL name, pattern, model admin) of each ModelAdmin's custom views."""
    for _model, model_admin in registered():
        opts = model_admin.model._meta
        standard = {f"{opts.app_label}_{opts.model_name}_{v}" for v in STANDARD_VIEWS}
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if name is None or name in standard:
                continue
            yield f"admin:{name}", pattern, model_admin


def guarded_views(patterns=None, namespace=""):
    """(URL name, pattern) of every view outside the admin that declares the staff
    permissions it needs."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from guarded_views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and hasattr(
            entry.callback, "staff_permissions"
        ):
            yield f"{namespace}{entry.name}", entry


def test_every_admin_action_declares_permissions():
    missing = sorted(
        f"{model_label(model_admin.model)}: {name}"
        for model_admin, name, func in every_action()
        if not getattr(func, "allowed_permissions", None)
    )

    assert missing == []


def test_every_admin_action_is_in_the_table():
    found = {
        (model_label(model_admin.model), name)
        for model_admin, name, _func in every_action()
        if name != "delete_selected"
    }

    assert found == set(ACTIONS)


def test_every_custom_staff_url_is_in_the_table():
    found = {name for name, _pattern, _admin in admin_extra_urls()}
    found |= {name for name, _pattern in guarded_views()}

    assert found == set(STAFF_URLS)


def test_every_check_in_page_declares_its_permission():
    guarded = {name for name, _pattern in guarded_views()}
    door = {
        f"badges:{entry.name}"
        for entry in get_resolver("delegates.badges.urls").url_patterns
        if str(entry.pattern).startswith("checkin")
    }

    assert door and door <= guarded
    for name, pattern in guarded_views():
        for _method, needed in STAFF_URLS[name]:
            assert set(pattern.callback.staff_permissions) == needed, name


def make_user(who: str):
    if who == SUPERUSER:
        return UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(is_staff=True)
    if who != NO_GROUP:
        user.groups.set([Group.objects.get(name=who)])
    return user


class World:
    """One of everything the actions and staff URLs act on, door open today."""

    def __init__(self):
        today = timezone.localdate()
        self.edition = EditionFactory(
            start_date=today,
            end_date=today + dt.timedelta(days=1),
            registration_opens_at=timezone.now() - dt.timedelta(days=60),
        )
        self.run = workshop_grid(self.edition, blocks=1, per_block=1)[0][0]
        self.pending = RegistrationFactory(
            edition=self.edition, status=Registration.Status.PENDING
        )
        self.confirmed = RegistrationFactory(edition=self.edition)
        self.delegate = self.confirmed.user
        badge = badge_ensure(registration=self.confirmed)
        badge.status = Badge.Status.READY
        badge.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 badge"), save=True)
        job = BadgePrintJob.objects.create(
            edition=self.edition, status=BadgePrintJob.Status.READY, total=1, done=1
        )
        job.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 print"), save=True)
        sheet = SignInSheet.objects.create(
            run=self.run, status=SignInSheet.Status.READY
        )
        sheet.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 sheet"), save=True)
        sheets = EditionSignInSheets.objects.create(
            edition=self.edition, status=EditionSignInSheets.Status.READY
        )
        sheets.file.save("all.pdf", ContentFile(b"%PDF-1.4 sheets"), save=True)
        self.choice = WorkshopChoice.objects.create(
            registration=self.confirmed,
            run=self.run,
            block=self.run.block,
            workshop=self.run.workshop,
        )
        self.allocation = Allocation.objects.create(edition=self.edition, seed=7)
        call = WorkshopCall.objects.create(
            edition=self.edition,
            opens_at=timezone.now() - dt.timedelta(days=1),
            closes_at=timezone.now() + dt.timedelta(days=1),
        )
        self.proposal = WorkshopProposal.objects.create(
            call=call,
            proposer=self.delegate,
            title="Proposed: cash couriers",
            summary="Following the money across borders.",
            audience="Financial investigators",
            format=WorkshopProposal.Format.CASE_STUDY,
        )
        self.message = Message.objects.create(
            edition=self.edition,
            audience=Message.Audience.CONFIRMED,
            subject="Parking at the venue",
            body="Dear {name}, park in the east car park.",
        )
        # A submitted speaker item with an open invitation (the review, invite and
        # export pages, and the accept and invitation actions act on them).
        self.submission = submission_create(
            edition=self.edition,
            kind=Submission.Kind.WORKSHOP,
            working_title="Matrix workshop",
        )
        invitation_create(
            submission=self.submission, name="Matrix", email="matrix@police.uk"
        )
        self.email = OutboxEmail.objects.create(
            to="officer@police.uk",
            subject="Your registration",
            body_text="Hello",
            status=OutboxEmail.Status.FAILED,
            attempts=8,
            next_attempt_at=timezone.now(),
        )

    def url(self, name: str, pattern, model_admin=None) -> str:
        kwargs = {}
        for param in pattern.pattern.converters:
            if param in ("pk", "object_id") and model_admin.model is type(
                self.delegate
            ):
                kwargs[param] = self.delegate.pk
            elif param in ("pk", "object_id"):
                kwargs[param] = model_admin.model._default_manager.order_by("pk")[0].pk
            elif param == "edition_id":
                kwargs[param] = self.edition.pk
            elif param == "id":
                kwargs[param] = self.delegate.pk
            elif param == "slug":
                kwargs[param] = self.edition.slug
            else:
                raise AssertionError(f"{name}: no value for URL parameter {param}")
        return reverse(name, kwargs=kwargs)

    def staff_urls(self):
        for name, pattern, model_admin in admin_extra_urls():
            yield name, self.url(name, pattern, model_admin)
        for name, pattern in guarded_views():
            yield name, self.url(name, pattern)


def snapshot() -> dict:
    """Every row of every model the admin shows (and the audit trail), to prove a
    refused request changed nothing."""
    models = {model for model, _admin in registered()}
    models |= {Permission, Group}
    return {
        model_label(model): sorted(
            model._default_manager.order_by("pk").values_list(), key=repr
        )
        for model in models
    }


@pytest.fixture
def world(db):
    return World()


@pytest.mark.parametrize("who", WHO)
def test_role_matrix(client, world, who, django_capture_on_commit_callbacks):
    user = make_user(who)
    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.user = user
    superuser_request = RequestFactory().get("/admin/")
    superuser_request.user = UserFactory(is_staff=True, is_superuser=True)

    wrong, refused_actions = [], []
    for model_admin, name, _func in every_action():
        label = model_label(model_admin.model)
        if name == "delete_selected":
            opts = model_admin.model._meta
            expected = model_admin.has_delete_permission(
                superuser_request
            ) and user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")
        else:
            expected = user.has_perms(ACTIONS[(label, name)])
        offered = name in model_admin.get_actions(request)
        if offered != expected:
            wrong.append(f"{label}: {name} offered={offered} expected={expected}")
        if not offered:
            refused_actions.append((model_admin, name))

    urls = dict(world.staff_urls())
    allowed_urls, refused_urls = [], []
    for name, url in urls.items():
        for method, needed in STAFF_URLS[name]:
            (allowed_urls if user.has_perms(needed) else refused_urls).append(
                (name, method, url)
            )

    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for model_admin, name in refused_actions:
            opts = model_admin.model._meta
            target = model_admin.model._default_manager.order_by("pk").first()
            response = client.post(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                {
                    "action": name,
                    "index": "0",
                    ACTION_CHECKBOX_NAME: [target.pk if target else 1],
                },
            )
            # 403: not even the list; 302 "No action selected."; 200: the list
            # again, when the user is offered no action at all (the POST is ignored).
            status = response.status_code
            refused = "Content-Disposition" not in response and (
                status == 403
                or (
                    status == 302
                    and "No action selected."
                    in [str(m) for m in get_messages(response.wsgi_request)]
                )
                or (
                    status == 200
                    and "admin/change_list.html" in [t.name for t in response.templates]
                )
            )
            if not refused:
                wrong.append(
                    f"POST {opts.label_lower}: {name} answered {response.status_code}"
                )
        for name, method, url in refused_urls:
            response = getattr(client, method.lower())(url)
            if response.status_code != 403:
                wrong.append(f"{method} {name} answered {response.status_code}")
    assert [c.__qualname__ for c in callbacks] == [], "a refused request queued work"
    after = snapshot()
    changed = sorted(label for label in before if before[label] != after[label])

    for name, method, url in allowed_urls:
        response = getattr(client, method.lower())(url)
        if response.status_code not in (200, 302):
            wrong.append(f"{method} {name} (allowed) answered {response.status_code}")

    assert not wrong, "\n".join(wrong)
    assert changed == [], "refused requests changed data"


def test_view_only_staff_posting_approve_leaves_the_registration_pending(client, world):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename="view_registration"
        )
    )
    client.force_login(viewer)

    response = client.post(
        reverse("admin:delegates_registration_changelist"),
        {"action": "approve", "index": "0", ACTION_CHECKBOX_NAME: [world.pending.pk]},
    )

    assert response.status_code == 200  # the list again: no action is offered
    world.pending.refresh_from_db()
    assert world.pending.status == Registration.Status.PENDING
    assert not world.pending.status_changes.exists()


def test_view_only_staff_posting_resend_leaves_the_outbox_alone(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="mail", codename="view_outboxemail"
        )
    )
    client.force_login(viewer)
    sent_before = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:mail_outboxemail_changelist"),
            {"action": "resend", "index": "0", ACTION_CHECKBOX_NAME: [world.email.pk]},
        )

    assert response.status_code == 200  # the list again: no action is offered
    world.email.refresh_from_db()
    assert (world.email.status, world.email.attempts) == (
        OutboxEmail.Status.FAILED,
        8,
    )
    assert len(mailoutbox) == sent_before


def test_vetting_role_approves_through_the_action(client, world):
    client.force_login(make_user("Vetting"))

    client.post(
        reverse("admin:delegates_registration_changelist"),
        {"action": "approve", "index": "0", ACTION_CHECKBOX_NAME: [world.pending.pk]},
    )

    world.pending.refresh_from_db()
    assert world.pending.status == Registration.Status.CONFIRMED


def test_organiser_cannot_take_over_a_superuser(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(make_user("Organiser"))

    password = client.get(
        reverse("admin:auth_user_password_change", args=[superuser.pk])
    )
    change = client.post(
        reverse("admin:delegates_user_change", args=[superuser.pk]),
        {"email": "organiser@evil.example", "is_active": "on", "is_staff": "on"},
    )

    assert password.status_code == 403
    assert change.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email != "organiser@evil.example"


def test_organiser_cannot_make_anyone_a_superuser(client):
    organiser = make_user("Organiser")
    client.force_login(organiser)
    url = reverse("admin:delegates_user_change", args=[organiser.pk])

    form = client.get(url)
    saved = client.post(
        url,
        {
            "email": organiser.email,
            "first_name": "Org",
            "last_name": "Aniser",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [Group.objects.get(name="Organiser").pk],
            "last_login_0": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00",
            "profile-TOTAL_FORMS": "0",
            "profile-INITIAL_FORMS": "0",
        },
    )

    assert form.status_code == 200
    assert 'name="is_superuser"' not in form.content.decode()
    assert saved.status_code == 302
    organiser.refresh_from_db()
    assert organiser.first_name == "Org"
    assert not organiser.is_superuser
