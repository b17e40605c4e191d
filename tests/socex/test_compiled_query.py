"""``socex.db.CompiledQuery``: a hot path's read compiled once per shape, run again
with other values, returning what the ORM would."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from socex.db import compiled_query
from socex.mail.models import OutboxEmail
from socex.mail.services import email_message_new

pytestmark = pytest.mark.django_db


def _emails(*addresses: str) -> list[OutboxEmail]:
    rows = [
        email_message_new(to=to, subject=f"To {to}", body_text="Hi") for to in addresses
    ]
    for row in rows:
        row.save()
    return rows


def _counting(build):
    calls = []

    def counted(**values):
        calls.append(values)
        return build(**values)

    return compiled_query(counted), calls


def test_rows_are_the_orms_with_its_conversions():
    rows = _emails("a@example.org", "b@example.org", "c@example.org")

    @compiled_query
    def by_address(*, to, ids):
        return (
            OutboxEmail.objects.filter(to=to, pk__in=ids)
            .order_by("pk")
            .values("pk", "subject", "created_at")
        )

    got = by_address(to="b@example.org", ids=[row.pk for row in rows])

    expected = list(
        OutboxEmail.objects.filter(to="b@example.org").values(
            "pk", "subject", "created_at"
        )
    )
    assert got == expected
    # A datetime, not the text SQLite stores: the ORM's converters ran.
    assert got[0]["created_at"] == rows[1].created_at
    assert by_address(to="nobody@example.org", ids=[row.pk for row in rows]) == []


def test_built_once_per_shape_and_run_with_each_calls_values():
    rows = _emails("a@example.org", "b@example.org")
    by_id, calls = _counting(
        lambda *, ids: (
            OutboxEmail.objects.filter(pk__in=ids).order_by("pk").values("to")
        )
    )

    assert by_id(ids=[rows[0].pk]) == [{"to": "a@example.org"}]
    assert by_id(ids=[rows[1].pk]) == [{"to": "b@example.org"}]
    assert len(calls) == 1
    # A list of another length is another shape (IN has one placeholder per item).
    assert len(by_id(ids=[rows[0].pk, rows[1].pk])) == 2
    assert len(calls) == 2
    # Built with stand-ins, never with a caller's values.
    assert rows[0].pk not in calls[0]["ids"]


def test_runs_through_djangos_cursor():
    (row,) = _emails("a@example.org")
    by_id = compiled_query(lambda *, pk: OutboxEmail.objects.filter(pk=pk).values("to"))
    by_id(pk=row.pk)

    with CaptureQueriesContext(connection) as queries:
        by_id(pk=row.pk)

    assert len(queries) == 1


def test_a_value_the_query_transforms_fails_on_first_use():
    # icontains makes a LIKE pattern of the value: the compiled SQL could not be
    # run with another one as it is.
    containing = compiled_query(
        lambda *, part: OutboxEmail.objects.filter(to__icontains=part).values("pk")
    )
    with pytest.raises(ValueError, match="part"):
        containing(part="example")


@pytest.mark.parametrize("value", [True, None, 1.5, [True]])
def test_only_ints_strings_and_lists_of_them(value):
    query = compiled_query(lambda *, v: OutboxEmail.objects.filter(pk=1).values("pk"))
    with pytest.raises(TypeError):
        query(v=value)


def test_its_sql_can_be_part_of_another_statement():
    rows = _emails("a@example.org", "b@example.org")
    by_address = compiled_query(
        lambda *, to: OutboxEmail.objects.filter(to=to).values("pk")
    )

    sql, params = by_address.sql_with_params(to="b@example.org")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS part", params)  # noqa: S608
        (count,) = cursor.fetchone()

    assert count == 1
    assert params.count("b@example.org") == 1
    assert by_address(to="b@example.org") == [{"pk": rows[1].pk}]


def test_warm_shapes_compile_without_running(django_assert_num_queries):
    by_ids = compiled_query(
        lambda *, ids: OutboxEmail.objects.filter(pk__in=ids).values("pk"),
        warm=[{"ids": [0] * length} for length in (1, 2)],
    )

    with django_assert_num_queries(0):
        by_ids.warm_up()

    assert len(by_ids._shapes) == 2
    (row,) = _emails("a@example.org")
    assert by_ids(ids=[row.pk, 0]) == [{"pk": row.pk}]
    assert len(by_ids._shapes) == 2  # that shape was compiled already
