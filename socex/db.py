"""The database on the hot paths.

- ``insert_select``: a locked section's writes, built before the lock as SQL that
  lets the database decide what the lock decides, sent in one round trip (see
  ``delegates.services.admission``).
- ``CompiledQuery``: a hot path's reads, built with the ORM and compiled once per
  process and shape (``delegates.selectors.registration_facts``).
- ``psycopg_cache_long_statements``: psycopg keeps how it parsed a long statement.
"""

import functools
from collections.abc import Mapping, Sequence

from django.db import connection, connections, models
from django.db.models.expressions import RawSQL
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
        key: [_value_sql(compiler, field, instance) for field in fields]
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
        columns.append(f"CAST({sql} AS {_cast_type(field)})")
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


def _value_sql(compiler, field: models.Field, instance: models.Model) -> tuple:
    """What Django's insert compiler writes for ``field`` of ``instance`` (its
    ``field_as_sql`` of ``prepare_value`` of ``pre_save_val``), with the two
    cases of a registration's rows taken directly: a plain value, converted by
    the field, and a ``RawSQL``."""
    value = compiler.pre_save_val(field, instance)
    if getattr(field, "get_placeholder", None) is None:
        if type(value) is RawSQL:
            return f"({value.sql})", list(value.params)
        if not hasattr(value, "resolve_expression"):
            return "%s", [field.get_db_prep_save(value, connection=connection)]
    return compiler.field_as_sql(
        field,
        getattr(field, "get_placeholder", None),
        compiler.prepare_value(field, value),
    )


@functools.cache
def _cast_type(field: models.Field) -> str:
    """The column's type, to type a value in a SELECT list (text otherwise); a
    bounded varchar as text, so that a value too long fails as in INSERT."""
    column_type = field.db_type(connection)
    return "text" if column_type.startswith("varchar") else column_type


class CompiledQuery:
    """A read built with the ORM, compiled to SQL once per process and shape, then
    run again with other values: for the reads of a hot path, where building and
    compiling a queryset costs ten times running it.

    ``build(**values)`` returns a queryset of ``values()`` or ``values_list()``
    whose varying parts are the keyword arguments: integers, strings, or lists of
    them (a list's length is part of the shape: ``IN`` has a placeholder per
    item). The first call with a shape builds it with stand-in values, finds each
    among the compiled query's parameters and keeps the SQL; every call runs it
    through Django's cursor (so query capture and execute wrappers see it) and
    returns the rows as dicts by column name, converted as the ORM would. A value
    the query transforms (a ``LIKE`` pattern, say) or inlines cannot be found:
    that fails on first use, not silently.
    """

    def __init__(self, build, *, warm: Sequence[dict] = ()) -> None:
        self._build = build
        self._shapes: dict[tuple, tuple] = {}
        self._warm = list(warm)
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "compiled")
        if self._warm:
            _compiled_queries.append(self)

    def warm_up(self) -> None:
        """Compile the shapes of ``warm`` (example values: only their types and
        lengths matter) without running them: gunicorn's master does it before
        forking (``socex.gunicorn.warm_up``), so no worker pays for it on its first
        requests."""
        for values in self._warm:
            self._compiled(values)

    def _compiled(self, values: dict) -> tuple:
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else None)
            for name, value in sorted(values.items())
        )
        compiled = self._shapes.get(shape)
        if compiled is None:
            compiled = self._shapes[shape] = self._compile(values)
        return compiled

    def sql_with_params(self, **values) -> tuple[str, list]:
        """The SQL and parameters for ``values``, to be part of a statement of
        the caller's (as ``Query.sql_with_params``, without building it)."""
        _using, sql, slots, *_rest = self._compiled(values)
        return sql, [_value(slot, values) for slot in slots]

    def __call__(self, **values) -> list[dict]:
        using, sql, slots, names, compiler, converters = self._compiled(values)
        params = [_value(slot, values) for slot in slots]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, values: dict) -> tuple:
        stand_ins: dict[object, tuple[str, int | None]] = {}
        arguments = {}
        for number, (name, value) in enumerate(sorted(values.items())):
            if isinstance(value, list | tuple):
                arguments[name] = [
                    _stand_in(item, number * 1000 + index, name)
                    for index, item in enumerate(value)
                ]
                for index, item in enumerate(arguments[name]):
                    stand_ins[item] = (name, index)
            else:
                arguments[name] = _stand_in(value, number * 1000, name)
                stand_ins[arguments[name]] = (name, None)
        queryset = self._build(**arguments)
        query = queryset.query
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots: list = []
        found = set()
        for param in params:
            slot = stand_ins.get(param) if isinstance(param, int | str) else None
            if slot is None or isinstance(param, bool):
                slots.append(_Constant(param))
            else:
                slots.append(slot)
                found.add(param)
        missing = [stand_ins[item][0] for item in stand_ins if item not in found]
        if missing:
            raise ValueError(
                f"{self.__name__}: {sorted(set(missing))} not found among the "
                "compiled query's parameters (transformed or inlined by a lookup)"
            )
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        expressions = [column for column, _sql, _alias in compiler.select]
        converters = compiler.get_converters(expressions)
        return queryset.db, sql, slots, names, compiler, converters


def _value(slot, values: dict):
    if isinstance(slot, _Constant):
        return slot.value
    name, index = slot
    return values[name] if index is None else values[name][index]


class _Constant:
    """A parameter of a compiled query that is the same on every run."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


# Stand-in values no real one equals: negative beyond any id, and strings that
# any transformation of a value would change (case, LIKE's escapes, quoting).
_STAND_IN_INT = -(7 * 10**15)


def _stand_in(value, number: int, name: str):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(
            f"a compiled query's {name!r} must be an int, a str or a list of them"
        )
    if isinstance(value, int):
        return _STAND_IN_INT - number
    return f"Socex_%Stand\\In'{number}"


# Every CompiledQuery with shapes to warm, for ``compiled_queries_warm_up``.
_compiled_queries: list[CompiledQuery] = []


def compiled_query(build=None, *, warm: Sequence[dict] = ()):
    """Decorator: ``build`` as a ``CompiledQuery``; ``@compiled_query(warm=[...])``
    names the shapes to compile at start-up."""
    if build is None:
        return lambda build: CompiledQuery(build, warm=warm)
    return CompiledQuery(build, warm=warm)


def compiled_queries_warm_up() -> int:
    """Compile the ``warm`` shapes of every loaded ``CompiledQuery``; how many."""
    for query in list(_compiled_queries):
        query.warm_up()
    return sum(len(query._warm) for query in _compiled_queries)


def model_columns(model: type[models.Model], prefix: str = "") -> list[str]:
    """The ``values()`` names of ``model``'s columns, reached through ``prefix``
    (e.g. ``"profile__"``): for a ``CompiledQuery`` that reads whole rows."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def model_from_row(
    model: type[models.Model], row: dict, prefix: str = ""
) -> models.Model | None:
    """The instance of ``model`` whose columns ``row`` holds (``model_columns``),
    as the ORM loads it; None when its primary key is NULL (no related row)."""
    names = [field.attname for field in model._meta.concrete_fields]
    values = [row[f"{prefix}{name}"] for name in names]
    if row[f"{prefix}{model._meta.pk.attname}"] is None:
        return None
    return model.from_db(model.objects.db, names, values)


# psycopg caches how it parses a statement for its parameters only up to this many
# characters and parameters (a guard against ORM statements that never repeat). A
# registration's locking statement is longer, and the same text for every
# registration of an edition: parsed again each time, it cost a twentieth of the
# request's CPU.
LONG_STATEMENT_CHARACTERS = 65536
LONG_STATEMENT_PARAMETERS = 1024


def psycopg_cache_long_statements() -> None:
    """Let psycopg cache the parsing of statements up to ``LONG_STATEMENT_*``
    (its cache stays an LRU of 128 statements). Called once, at start-up."""
    try:
        from psycopg import _queries  # noqa: PLC0415
    except ImportError:  # pragma: no cover - psycopg is what PostgreSQL runs on
        return
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _queries.MAX_CACHED_STATEMENT_LENGTH, LONG_STATEMENT_CHARACTERS
    )
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        _queries.MAX_CACHED_STATEMENT_PARAMS, LONG_STATEMENT_PARAMETERS
    )
