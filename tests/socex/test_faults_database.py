"""A database outage answers the 503 page, saves nothing, and persistent connections
are checked before reuse; the 404 and 500 pages are ours."""

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse

from delegates.models import Registration
from socex import views
from socex.mail.models import OutboxEmail

pytestmark = pytest.mark.django_db


def _fail_registration_insert(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith("INSERT") and Registration._meta.db_table in sql:
        raise OperationalError("terminating connection due to administrator command")
    return execute(sql, params, many, context)


def test_register_database_error_shows_503_page_and_saves_nothing(
    client, open_edition, delegate
):
    client.force_login(delegate)

    with connection.execute_wrapper(_fail_registration_insert):
        response = client.post(
            reverse("delegates:register", args=[open_edition.slug]),
            {"consent_terms": "on"},
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Your registration was not saved. Please try again in a moment." in page
    assert "SOCEX" in page
    assert Registration.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_register_again_after_the_outage_works(client, open_edition, delegate):
    client.force_login(delegate)
    url = reverse("delegates:register", args=[open_edition.slug])
    with connection.execute_wrapper(_fail_registration_insert):
        client.post(url, {"consent_terms": "on"})

    response = client.post(url, {"consent_terms": "on"})

    assert response.status_code == 302
    assert Registration.objects.filter(user=delegate).count() == 1


def test_server_error_pages_render_without_database_or_request(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        plain = views.server_error(None)
        try:
            raise OperationalError("could not connect to server")
        except OperationalError:
            outage = views.server_error(None)

    assert plain.status_code == 500
    assert "Something went wrong on our side" in plain.content.decode()
    assert outage.status_code == 503
    assert "Your registration was not saved" in outage.content.decode()


def test_unknown_page_is_the_branded_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert reverse("events:home") in page


def test_persistent_connections_are_checked_before_use(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_killed_by_a_restart_is_replaced_before_the_next_request(
    monkeypatch,
):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connection.get_new_connection(connection.get_connection_params())
    killer.autocommit = True
    killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()

    close_old_connections()  # what Django does as each request starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_postgresql_plans_a_repeated_statement_once(monkeypatch):
    from tests.socex.conftest import product_settings

    url = "postgres://socex@db:5432/socex"
    options = product_settings(monkeypatch, DATABASE_URL=url).DATABASES["default"][
        "OPTIONS"
    ]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5

    off = product_settings(
        monkeypatch, DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="0"
    )
    assert "server_side_binding" not in off.DATABASES["default"].get("OPTIONS", {})
    sqlite = product_settings(monkeypatch, DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert "server_side_binding" not in sqlite.DATABASES["default"]["OPTIONS"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_again_is_prepared_on_the_connection():
    from django.db import connection

    from events.models import Edition

    if not connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold"):
        pytest.skip("prepared statements are off (DATABASE_PREPARE_THRESHOLD=0)")
    for _ in range(6):
        list(Edition.objects.filter(slug="prepared-probe"))
    with connection.cursor() as cursor:
        # (The slug is a parameter: the statement holds $1, not the value.)
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "events_edition" WHERE "events_edition"."slug" = $1%'],
        )
        assert cursor.fetchone()[0] == 1
