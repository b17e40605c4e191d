"""The worker's watchdog (socex/watchdog.py): a worker whose consumer stopped taking
work shuts down to be restarted; a busy or healthy one, or one whose broker is down,
is left alone."""

import os
import subprocess
import sys
import threading
import time

import pytest

from socex.watchdog import Watchdog
from tests.conftest import _redis_url


def _watchdog(*, answers=True, busy=False, fails=False, misses=2, every=0.01):
    shut_down = threading.Event()
    probes: list[str] = []

    def probe(task_id: str) -> None:
        if fails:
            raise ConnectionError("broker down")
        probes.append(task_id)
        if answers is True or (callable(answers) and answers(len(probes))):
            watchdog.received(task_id)

    watchdog = Watchdog(
        probe=probe,
        busy=lambda: busy,
        shut_down=shut_down.set,
        every=every,
        timeout=0.05,
        misses=misses,
    )
    return watchdog, shut_down, probes


def test_a_probe_the_consumer_receives_counts_as_alive():
    watchdog, _shut_down, probes = _watchdog()
    assert watchdog.check() is True
    assert len(probes) == 1


def test_a_probe_not_received_in_time_is_a_miss():
    watchdog, _shut_down, _probes = _watchdog(answers=False)
    assert watchdog.check() is False


def test_a_busy_worker_or_a_broker_down_is_not_probed_or_not_counted():
    busy, _shut_down, probes = _watchdog(answers=False, busy=True)
    assert busy.check() is None
    assert probes == []
    down, _shut_down, _probes = _watchdog(fails=True)
    assert down.check() is None


def test_misses_in_a_row_shut_the_worker_down_once():
    watchdog, shut_down, probes = _watchdog(answers=False, misses=2)
    runner = threading.Thread(target=watchdog.run)
    runner.start()
    runner.join(5)

    assert not runner.is_alive()  # it stops after shutting down
    assert shut_down.is_set()
    assert len(probes) == 2


def test_a_probe_received_between_misses_starts_the_count_again():
    # Every other probe is received: never two misses in a row.
    watchdog, shut_down, probes = _watchdog(answers=lambda n: n % 2 == 0, misses=2)
    runner = threading.Thread(target=watchdog.run)
    runner.start()
    while len(probes) < 6 and runner.is_alive():
        time.sleep(0.01)
    watchdog.stopping.set()
    runner.join(5)

    assert len(probes) >= 6
    assert not shut_down.is_set()


@pytest.mark.redis
def test_a_real_worker_whose_consumer_stops_shuts_down(settings, tmp_path):
    # A prefork worker with its watchdog probing every half second: healthy, it is
    # left running; once its consumers are cancelled (as a consumer stuck after a
    # broker restart takes nothing), it shuts itself down.
    from socex.celery import app

    name = f"watchdog-{os.getpid()}-{os.urandom(3).hex()}@test"
    queue = f"test-{name}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socex.settings.local",
        "DEBUG": "false",
        "CELERY_BROKER_URL": _redis_url(),
        "WORKER_WATCHDOG_EVERY": "0.5",
        "WORKER_WATCHDOG_TIMEOUT": "2",
        "WORKER_WATCHDOG_MISSES": "2",
    }
    code = (
        "from socex.celery import app; "
        "app.worker_main(['worker', '-Q', "
        f"{queue!r}, '-n', {name!r}, '-P', 'prefork', '-c', '1', "
        "'--without-mingle', '--without-gossip', '-l', 'warning'])"
    )
    saved = app.conf.broker_url
    app.conf.broker_url = _redis_url()
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not app.control.ping([name], timeout=1):
            assert worker.poll() is None, log.read_text()
        # Several probe rounds: each received, the worker stays.
        time.sleep(5)
        assert worker.poll() is None, log.read_text()

        for consumed in (queue, f"{name}.dq2"):
            app.control.cancel_consumer(consumed, destination=[name], reply=True)

        exited = worker.wait(timeout=60)
    finally:
        app.conf.broker_url = saved
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        with app.connection_for_write() as connection:
            for consumed in (queue, f"{name}.dq2"):
                connection.default_channel.queue_delete(consumed)

    assert exited == 0  # a warm shutdown
    assert "Worker watchdog: the consumer received none of 2 probes" in log.read_text()
