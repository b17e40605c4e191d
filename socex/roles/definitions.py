"""The staff roles and their permissions: the one list the data migration and
``manage.py sync_roles`` both apply.

Each role is a Django group. A permission is written ``app_label.codename``; a ``*``
matches any run of characters (``events.*`` is every permission of the events app).
Least privilege: a role gets what its people's work needs, and personal-data exports
(``delegates.export_registration``: registration CSV/XLSX, the catering and access
summary, attendance lists and sign-in sheets, badge files) belong to organisers only.
Changing a role here takes effect with ``manage.py sync_roles`` (and a new data
migration in ``socex/roles/migrations/`` calling ``roles_sync``, so deployments get it).
"""

from types import MappingProxyType


def _crud(app_label: str, *models: str) -> tuple[str, ...]:
    return tuple(
        f"{app_label}.{verb}_{model}"
        for model in models
        for verb in ("add", "change", "delete", "view")
    )


def _view(app_label: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app_label}.view_{model}" for model in models)


ORGANISER = "Organiser"
VETTING = "Vetting"
PROGRAMME = "Programme"
REVIEWER = "Reviewer"
CHECK_IN = "Check-in"
VIEWER = "Viewer"

ROLES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        # Everything the platform's own apps offer, the personal-data audit and
        # erasing a person included. Groups and raw permissions stay
        # with superusers (an organiser cannot widen a role, theirs included), and
        # accounts' email records are read-only (rewriting one is an account takeover).
        ORGANISER: (
            "events.*",
            "delegates.*",
            "workshops.*",
            "mail.*",
            "privacy.view_personaldataaccess",
            "privacy.erase_person",
            "auth.view_group",
            "account.view_emailaddress",
        ),
        # Decide who comes: read registrations and the people behind them, approve,
        # decline, waitlist, approve or decline a substitute. No exports.
        VETTING: (
            *_view(
                "delegates",
                "registration",
                "registrationstatuschange",
                "profile",
                "user",
                "trusteddomain",
                "editionseats",
                "substitution",
            ),
            # Approving the colleague who takes a place is vetting too; nominating
            # one for a delegate (substitute_registration) is an organiser's.
            "delegates.approve_registration",
            "events.view_edition",
        ),
        # The programme: editions' content, agenda, speakers, venues and rooms,
        # partners, workshops with their runs, blocks and settings, moves between
        # runs and the allocation. Deleting an edition or a series is an organiser's.
        # No personal-data exports.
        PROGRAMME: (
            "events.add_edition",
            "events.change_edition",
            "events.view_edition",
            "events.add_series",
            "events.change_series",
            "events.view_series",
            *_crud(
                "events",
                "venue",
                "room",
                "agendasession",
                "sessionspeaker",
                "speaker",
                "partner",
                "editionpartner",
                "speakerdeadline",
            ),
            # Speaker items: open them, invite speakers, review and request changes,
            # reopen; accepting is an organiser's decision (events.accept_submission).
            "events.add_submission",
            "events.change_submission",
            "events.view_submission",
            "events.review_submission",
            "events.add_submissioninvitation",
            "events.change_submissioninvitation",
            "events.view_submissioninvitation",
            "events.view_speakerreminder",
            *_crud("workshops", "workshop", "workshoprun", "timeblock"),
            *_crud("workshops", "workshopsettings", "workshopcall"),
            "workshops.view_workshopproposal",
            *_view(
                "workshops",
                "workshopchoice",
                "workshoppreference",
                "choicewindow",
                "allocation",
                "workshopauditentry",
            ),
            "workshops.change_workshopchoice",
            "workshops.allocate",
            "delegates.add_badgesettings",
            "delegates.change_badgesettings",
            "delegates.view_badgesettings",
        ),
        # Reads speakers, sessions, speaker items and workshop proposals; scores the
        # proposals (blind until they have scored) and reviews speaker items (asking
        # speakers for changes); accepting either is an organiser's.
        REVIEWER: (
            "events.view_speaker",
            "events.view_agendasession",
            "events.view_sessionspeaker",
            "events.view_submission",
            "events.review_submission",
            "workshops.view_workshop",
            "workshops.view_workshopcall",
            "workshops.view_workshopproposal",
            "workshops.review_proposal",
        ),
        # The door pages of current editions and nothing more.
        CHECK_IN: ("delegates.check_in",),
        # Read-only across the platform's apps; no exports, no outbox.
        VIEWER: ("events.view_*", "delegates.view_*", "workshops.view_*"),
    }
)

# What no role but a superuser's may hold, whatever a pattern above matches.
NEVER_IN_A_ROLE = frozenset(
    {
        "auth.add_group",
        "auth.change_group",
        "auth.delete_group",
        "auth.add_permission",
        "auth.change_permission",
        "auth.delete_permission",
    }
)
