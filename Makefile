# The two commands: `make run` sets everything up and serves the site on the embedded
# default (SQLite, eager tasks, emails as files under var/mail/); `make test` runs the suite.
# `make run PORT=8123 HOST=0.0.0.0` serves elsewhere; emails link there unless SITE_URL
# is set.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Another apt (unattended upgrades, a second terminal) may hold the lock: wait for it.
APT_LOCK_WAIT ?= 300
APT := apt-get -o DPkg::Lock::Timeout=$(APT_LOCK_WAIT)
VENV := .venv
PY := $(VENV)/bin/python
# WeasyPrint's system libraries; fontconfig (fc-list) and a font the badges are drawn
# in; and fonts that cover names in any script.
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core
FONTS := fonts-noto-core fonts-noto-cjk

.PHONY: run test install syslibs migrate demo worker beat lint format clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

syslibs:
	@missing=""; \
	for pkg in $(SYSTEM_LIBS); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    if ! { $(APT) update -q && DEBIAN_FRONTEND=noninteractive $(APT) install -y -q $$missing; }; then \
	      echo "Could not install the PDF libraries and fonts (waited $(APT_LOCK_WAIT) s for"; \
	      echo "the apt lock). When the other apt process has finished, run:"; \
	      echo "  apt-get install -y$$missing"; \
	      echo "then make run again."; \
	      exit 1; \
	    fi; \
	  else \
	    echo "WeasyPrint and the badges need system packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
	@fonts=""; \
	for pkg in $(FONTS); do dpkg -s $$pkg >/dev/null 2>&1 || fonts="$$fonts $$pkg"; done; \
	if [ -n "$$fonts" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    { $(APT) update -q && DEBIAN_FRONTEND=noninteractive $(APT) install -y -q $$fonts; } || \
	      echo "Optional fonts not installed; later: apt-get install -y$$fonts"; \
	  else \
	    echo "Optional: badges render names in every script with: sudo apt-get install -y$$fonts"; \
	  fi; \
	fi

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_demo

run: install syslibs demo
	@echo "Serving SOCEX at http://$(HOST):$(PORT) (Ctrl-C to stop)"
	@if [ -n "$$EMAIL_URL" ]; then echo "Emails are sent through EMAIL_URL."; \
	else echo "Emails land as files in $(CURDIR)/var/mail/ (one .log file per batch)."; fi
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

test: install syslibs
	$(PY) -m pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A socex worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A socex beat --loglevel=info --schedule var/celerybeat-schedule

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var/db.sqlite3 var/mail var/media var/static
