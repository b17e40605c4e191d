FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=socex.settings.production

# WeasyPrint's system libraries (Pango, HarfBuzz with its subset library), fontconfig
# (the badges find their fonts with fc-list) and fonts that cover names in any script
# on the badges.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
        fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY socex socex
COPY events events
COPY delegates delegates
COPY workshops workshops
RUN pip install .
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input \
    && useradd --create-home socex && mkdir -p /app/var/media /app/var/private && chown -R socex /app/var
USER socex

EXPOSE 8000
# socex/gunicorn.py: bind, workers (GUNICORN_WORKERS), app loaded and warmed before forking.
CMD ["gunicorn", "--config", "python:socex.gunicorn", "socex.wsgi:application"]
