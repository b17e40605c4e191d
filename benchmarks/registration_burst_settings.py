"""Settings for benchmarks/registration_burst.py only: the product's settings plus a
URL conf that adds the baseline view. Never used by the product."""

from socex.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.registration_burst_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
