"""Writing rows from a locked section without Python in between.

A locked section's writes are built before the lock as SQL that lets the database
decide what the lock decides (``insert_select``), and sent in one round trip (see
``delegates.services.admission``).
"""

from collections.abc import Mapping, Sequence

from django.db import connection, models
from django.db.models.sql import InsertQuery


def insert_select(
    variants: Mapping[object, models.Model],
    *,
    source: tuple[str, Sequence],
    choose: str,
    where: tuple[str, Sequence] = ("TRUE", ()),
    ignore_conflicts: bool = False,
) -> tuple[str, list]:
    """One ``INSERT ... SELECT`` (SQL and parameters, not run) for rows decided by
    the database: for each row of ``source`` (what follows FROM) that passes
    ``where``, the variant whose key equals the SQL expression ``choose``, or
    none when no key does. Built before a lock, it lets the statement that takes
    the lock (or one after it) write what the lock decides without Python
    between.

    Each variant is an unsaved instance of one model, its primary key set or not
    (then the database's default); each column gets what ``save()`` would write
    (defaults, ``auto_now``, the field's conversion) or an expression set on the
    instance (``RawSQL``), which may name ``source``'s columns. Sends no model
    signals, as ``bulk_create`` does not.
    """
    instances = list(variants.values())
    model = type(instances[0])
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated]
    if instances[0].pk is None:
        fields = [field for field in fields if field is not meta.auto_field]
    query = InsertQuery(model)
    query.insert_values(fields, instances)
    compiler = query.get_compiler(connection=connection)
    values = {
        key: [
            compiler.field_as_sql(
                field,
                getattr(field, "get_placeholder", None),
                compiler.prepare_value(field, compiler.pre_save_val(field, instance)),
            )
            for field in fields
        ]
        for key, instance in variants.items()
    }
    columns, params = [], []
    for index, field in enumerate(fields):
        options = [values[key][index] for key in variants]
        if all(option == options[0] for option in options):
            sql, column_params = options[0]
        else:
            whens, column_params = [], []
            for key, (option_sql, option_params) in zip(variants, options, strict=True):
                whens.append(f"WHEN %s THEN {option_sql}")
                column_params += [key, *option_params]
            sql = f"CASE {choose} {' '.join(whens)} END"
        # Typed as the column (a literal in a SELECT list is text otherwise); a
        # bounded varchar as text, so that a value too long fails as in INSERT.
        column_type = field.db_type(connection)
        if column_type.startswith("varchar"):
            column_type = "text"
        columns.append(f"CAST({sql} AS {column_type})")
        params += column_params
    quote = connection.ops.quote_name
    keys = ", ".join(["%s"] * len(variants))
    sql = (
        # Quoted names, the caller's SQL and placeholders; every value a parameter.
        f"INSERT INTO {quote(meta.db_table)} "  # nosec B608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {', '.join(columns)} FROM {source[0]} "
        f"WHERE ({where[0]}) AND {choose} IN ({keys})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    return sql, [*params, *source[1], *where[1], *variants]
