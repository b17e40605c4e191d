"""Delegates' choices and ranked preferences, choice windows, allocations and the
organisers' audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegates.models import Registration
from events.models import Edition

from .programme import TimeBlock, Workshop, WorkshopRun


class WorkshopChoice(models.Model):
    """A registration's seat in one run. ``block`` and ``workshop`` are copied from the
    run so the database can refuse two in one block or the same workshop twice."""

    class Source(models.TextChoices):
        DELEGATE = "delegate", _("Chosen by the delegate")
        ALLOCATION = "allocation", _("Allocated")
        ORGANISER = "organiser", _("Set by an organiser")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="workshop_choices"
    )
    run = models.ForeignKey(
        WorkshopRun, on_delete=models.PROTECT, related_name="choices"
    )
    block = models.ForeignKey(TimeBlock, on_delete=models.PROTECT, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.DELEGATE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["block__session__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "block"], name="workshop_choice_one_per_block"
            ),
            models.UniqueConstraint(
                fields=["registration", "workshop"],
                name="workshop_choice_workshop_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.run}"


class WorkshopPreference(models.Model):
    """A delegate's rank for one workshop (1 = most wanted), in ranked mode."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="workshop_preferences"
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="preferences"
    )
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["registration", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "workshop"], name="preference_workshop_once"
            ),
            models.UniqueConstraint(
                fields=["registration", "rank"], name="preference_rank_once"
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1), name="preference_rank_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.rank}. {self.workshop}"


class ChoiceWindow(models.Model):
    """A late-confirmed delegate's window to choose from the places left."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="workshop_window"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.registration} until {self.closes_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closes_at > timezone.now()


class Allocation(models.Model):
    """One run of the allocator: a draft the organiser reviews, then publishes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: review, then publish")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshop_allocations"
    )
    seed = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("allocate", _("Can draft and publish allocations"))]

    def __str__(self) -> str:
        return f"{self.edition}: allocation #{self.pk} (seed {self.seed})"

    def get_absolute_url(self) -> str:
        return reverse("admin:workshops_allocation_change", args=[self.pk])


class AllocationAssignment(models.Model):
    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="assignments"
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="+"
    )
    run = models.ForeignKey(WorkshopRun, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(
        help_text=_("The rank the delegate gave this workshop (last + 1 if unranked).")
    )

    class Meta:
        ordering = ["allocation", "registration", "run"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "registration", "run"],
                name="allocation_assignment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.run}"


class WorkshopAuditEntry(models.Model):
    """What an organiser (or the system) changed, by whom and when."""

    class Action(models.TextChoices):
        MOVE = "move", _("Delegate moved")
        CAPACITY = "capacity", _("Capacity changed")
        ALLOCATION_PUBLISHED = "allocation_published", _("Allocation published")
        WINDOW_OPENED = "window_opened", _("Late choice window opened")
        SEATS_RELEASED = "seats_released", _("Seats released")
        SEATS_PASSED = "seats_passed", _("Seats passed to a substitute")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workshop_audit"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        WorkshopRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("workshop audit entries")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.detail}"
