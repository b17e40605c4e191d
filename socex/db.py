"""Writing rows without waiting for the database's answer.

A locked section sends its writes in one round trip (psycopg's pipeline mode, see
``delegates.services.transitions``); an INSERT that asks for the new id back makes
the pipeline stop and wait. So the ids are drawn from their sequences before the
lock (``serial_ids_reserve``, one statement for several tables) and the rows are
written with them, asking nothing back (``insert_reserved``).
"""

from django.db import connection, models, router
from django.db.models.signals import post_save, pre_save


def serial_ids_reserve(*model_classes: type[models.Model]) -> list[int | None]:
    """The next id of each model's serial primary key, in one statement, on
    PostgreSQL; elsewhere [None, ...] (the caller lets the INSERT choose). An id
    drawn and never used leaves a gap, nothing more."""
    if connection.vendor != "postgresql":
        return [None] * len(model_classes)
    columns = ", ".join(
        ["nextval(pg_get_serial_sequence(%s, %s))"] * len(model_classes)
    )
    params = []
    for model_class in model_classes:
        params += [model_class._meta.db_table, model_class._meta.pk.column]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)  # noqa: S608  placeholders only
        return list(cursor.fetchone())


def insert_reserved(instance: models.Model) -> None:
    """INSERT ``instance``, whose id is already set (``serial_ids_reserve``),
    asking nothing back: what ``save()`` does for a new row, with its ``pre_save``
    and ``post_save`` signals, without RETURNING. Uses the manager's ``_insert``,
    as ``save()`` does; Django is pinned to one feature release
    (tests/delegates/test_lock_path.py shows the statements it sends)."""
    model = type(instance)
    meta = model._meta
    using = router.db_for_write(model, instance=instance)
    pre_save.send(
        sender=model, instance=instance, raw=False, using=using, update_fields=None
    )
    fields = [f for f in meta.local_concrete_fields if not f.generated]
    model._base_manager.using(using)._insert(
        [instance], fields=fields, returning_fields=None, using=using
    )
    instance._state.adding = False
    instance._state.db = using
    post_save.send(
        sender=model,
        instance=instance,
        created=True,
        raw=False,
        using=using,
        update_fields=None,
    )
