"""Badge tasks: thin wrappers that call the services with primitive ids.

Each function is named ``<service>_task``, apart from the service it calls; the
pinned ``name=`` is what queued messages and the beat schedule refer to.
"""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


# Light, from one row the badge sweep covers: a web worker's publisher may send it
# with others (socex.tasks.PublishBatcher).
@shared_task(
    name="delegates.badges.tasks.badge_render", acks_late=True, publish_together=True
)
def badge_render_task(*, registration_id: int, notify: bool = False) -> str:
    """Render (or skip, when unchanged) one registration's badge; with ``notify``,
    email it when what is printed changed."""
    return services.badge_render(registration_id=registration_id, notify=notify)


@shared_task(name="delegates.badges.tasks.badge_sweep")
def badge_sweep_task() -> int:
    """Periodic: queue badges that are missing, stuck or failed a while ago."""
    return services.badge_sweep()


@shared_task(name="delegates.badges.tasks.badge_print_job_sweep")
def badge_print_job_sweep_task() -> int:
    """Periodic (every minute): resume print jobs that stopped making progress."""
    return services.badge_print_job_sweep()


@shared_task(name="delegates.badges.tasks.badge_print_job_start", acks_late=True)
def badge_print_job_start_task(*, job_id: int) -> str:
    return services.badge_print_job_start(job_id=job_id)


@shared_task(name="delegates.badges.tasks.badge_print_chunk_render", acks_late=True)
def badge_print_chunk_render_task(*, job_id: int, index: int) -> str:
    return services.badge_print_chunk_render(job_id=job_id, index=index)


@shared_task(name="delegates.badges.tasks.badge_print_job_finish", acks_late=True)
def badge_print_job_finish_task(*, job_id: int) -> str:
    return services.badge_print_job_finish(job_id=job_id)
