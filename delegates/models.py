import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Edition

PHONE_RE = re.compile(r"\+?[0-9 ()\-]+")
DOMAIN_RE = re.compile(r"([a-z0-9]([a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}")
PROFILE_EXAMPLES = {
    "first_name": "Sam",
    "last_name": "Patel",
    "job_title": "Detective Inspector",
    "organisation": "West Midlands Police",
    "country": "United Kingdom",
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account: delegates, speakers and organisers alike log in with their email."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class Profile(models.Model):
    """What a delegate tells us about themselves, once, for every edition."""

    class OrganisationType(models.TextChoices):
        UK_POLICE = "uk_police", _("UK police force")
        ROCU = "rocu", _("Regional organised crime unit")
        NCA = "nca", _("National Crime Agency")
        HMRC = "hmrc", _("HMRC")
        SFO = "sfo", _("Serious Fraud Office")
        CPS = "cps", _("Crown Prosecution Service")
        GOVERNMENT = "government", _("Home Office or other government")
        INTERNATIONAL = "international", _("International law enforcement")
        INDUSTRY = "industry", _("Industry partner")
        ACADEMIA = "academia", _("Academia")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    title_rank = models.CharField(
        _("title or rank"), max_length=60, blank=True, help_text=_("e.g. DCI, Dr, Ms")
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    post_nominals = models.CharField(
        _("post-nominals"), max_length=40, blank=True, help_text=_("e.g. QPM")
    )
    badge_name = models.CharField(
        _("name on badge"),
        max_length=60,
        blank=True,
        help_text=_("How your name should appear on your badge, e.g. Sam Patel."),
    )
    job_title = models.CharField(_("job title"), max_length=120)
    organisation = models.CharField(_("organisation"), max_length=150)
    organisation_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganisationType.choices
    )
    country = models.CharField(_("country"), max_length=80, default="United Kingdom")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    dietary_requirements = models.CharField(
        _("dietary requirements"), max_length=200, blank=True
    )
    # A TextField (no column change for notes already held) whose length the model
    # and the profile form both check.
    accessibility_requirements = models.TextField(
        _("accessibility requirements"),
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors = {}
        for name in ("first_name", "last_name", "job_title", "organisation", "country"):
            value = getattr(self, name) or ""
            if value and not any(ch.isalpha() for ch in value):
                errors[name] = _("Use letters here, e.g. “%(example)s”.") % {
                    "example": PROFILE_EXAMPLES[name]
                }
        if self.phone:
            digits = sum(ch.isdigit() for ch in self.phone)
            if not PHONE_RE.fullmatch(self.phone) or not 7 <= digits <= 15:
                errors["phone"] = _(
                    "Enter a phone number of 7 to 15 digits; you may use spaces, "
                    "brackets, dashes and a leading +, e.g. +44 20 7946 0000."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name_on_badge(self) -> str:
        return self.badge_name or self.full_name


class TrustedDomain(models.Model):
    """An email domain whose verified addresses are confirmed without manual vetting."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="trusted_domains"
    )
    domain = models.CharField(
        max_length=120, help_text=_("e.g. police.uk: subdomains are trusted too.")
    )

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "domain"], name="trusted_domain_once_per_edition"
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        # Kept as trust is matched in SQL (``selectors.trust_domains``), whatever
        # wrote the row.
        self.domain = self.normalise(self.domain)
        super().save(*args, **kwargs)

    @staticmethod
    def normalise(domain: str) -> str:
        return (domain or "").strip().lower().lstrip("@").strip(".")

    def clean(self) -> None:
        self.domain = self.normalise(self.domain)
        if not DOMAIN_RE.fullmatch(self.domain):
            raise ValidationError(
                {
                    "domain": _(
                        "Enter a domain such as police.uk or nca.gov.uk: no @, no "
                        "spaces."
                    )
                }
            )


class Registration(models.Model):
    """A person's place (or wish for one) at one edition."""

    class Category(models.TextChoices):
        DELEGATE = "delegate", _("Delegate")
        SPEAKER = "speaker", _("Speaker")
        PARTNER = "partner", _("Partner")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        # The place passed to a colleague (``Substitution``): closed, like cancelled,
        # but the place did not go back to the edition.
        SUBSTITUTED = "substituted", _("Passed to a colleague")

    # Indexed by registration_once_per_edition and registration_queue_idx, which
    # lead with it: an index of its own would be one more write per registration.
    edition = models.ForeignKey(
        Edition,
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations"
    )
    category = models.CharField(
        max_length=10, choices=Category.choices, default=Category.DELEGATE
    )
    # Read within an edition (registration_queue_idx), never alone.
    status = models.CharField(max_length=12, choices=Status.choices)
    number = models.PositiveIntegerField(help_text=_("Sequence within the edition"))
    reference = models.CharField(max_length=20, unique=True)
    consent_terms = models.BooleanField(default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "user"],
                name="registration_once_per_edition",
                violation_error_message=_("You are already registered for this event."),
            ),
            models.UniqueConstraint(
                fields=["edition", "number"], name="registration_number_per_edition"
            ),
        ]
        indexes = [
            models.Index(
                fields=["edition", "status", "waitlisted_at"],
                name="registration_queue_idx",
            ),
        ]
        permissions = [
            ("approve_registration", _("Can approve, decline and waitlist")),
            ("export_registration", _("Can export delegates' personal data")),
            (
                "substitute_registration",
                _("Can pass a delegate's place to a colleague on their behalf"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("delegates:dashboard")


class RegistrationStatusChange(models.Model):
    """The audit trail: who changed a registration's status, when and why."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        max_length=12, choices=Registration.Status.choices, blank=True
    )
    to_status = models.CharField(max_length=12, choices=Registration.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.registration}: {self.from_status or '—'} → {self.to_status}"


class Substitution(models.Model):
    """A confirmed delegate's nomination of a colleague to take their place.

    The colleague is sent a single-use link (only its SHA-256 is stored) that expires
    after a week or when the event starts; they accept it signed in with the address
    it was sent to, are vetted like a new registration, and the place passes:
    the same seat, no waiting-list move (``delegates.services.substitutions``).
    """

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Waiting for the colleague")
        AWAITING_APPROVAL = "awaiting_approval", _("Accepted, awaiting approval")
        COMPLETED = "completed", _("Place passed on")
        CANCELLED = "cancelled", _("Withdrawn")
        DECLINED = "declined", _("Declined by the organisers")

    PENDING = (Status.NOMINATED, Status.AWAITING_APPROVAL)

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="substitutions"
    )
    email = models.EmailField(_("colleague's email address"))
    pass_workshops = models.BooleanField(
        _("pass workshop places on"),
        default=True,
        help_text=_("Otherwise the workshop places are released for others."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NOMINATED,
        db_index=True,
    )
    expires_at = models.DateTimeField()
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The account that accepted the link."),
    )
    new_registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status__in=["nominated", "awaiting_approval"]),
                name="substitution_one_pending_per_registration",
                violation_error_message=_(
                    "A colleague is already nominated for this place."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} → {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class EditionSeats(models.Model):
    """The per-edition counter of confirmed delegate places: the capacity guard.

    Services lock this row (after the edition row) before confirming anyone and keep
    ``confirmed`` equal to the number of confirmed delegate registrations; the check
    constraint makes overbooking impossible even for code that forgets the rule.
    ``last_number`` hands out registration numbers under the same lock.
    """

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, primary_key=True, related_name="seats"
    )
    capacity = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("edition seats")
        verbose_name_plural = _("edition seats")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirmed__lte=models.F("capacity")),
                name="seats_confirmed_within_capacity",
                violation_error_message=_("The edition is full."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition}: {self.confirmed}/{self.capacity}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.confirmed, 0)


from .badges.models import *  # noqa: E402,F401,F403  (badges and check-in)
from .messages.models import *  # noqa: E402,F401,F403  (messages, agenda changes)
