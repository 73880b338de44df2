# The after-sales app: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translations (zh-Hans); nothing else is fetched beyond the package registries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Translations and static files are built into the image. collectstatic runs with production
# settings (the manifest storage), so it gets throwaway values for the required variables.
RUN DEBUG=1 DATA_DIR=/tmp/build python manage.py compilemessages -v 0 \
    && SECRET_KEY=build-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
       SECRET_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LXVzZWQtYXQtcnVuISE= \
       DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://localhost:6379/0 DATA_DIR=/tmp/build \
       python manage.py collectstatic --no-input -v 0 \
    && rm -rf /tmp/build /tmp/build.sqlite3

RUN useradd --create-home --uid 1000 app && mkdir -p /app/data && chown -R app:app /app/data
USER app

EXPOSE 8000
# Threaded workers with a cap on chat streams (aftersales/gunicorn_conf.py; WEB_CONCURRENCY, WEB_THREADS).
CMD ["gunicorn", "-c", "aftersales/gunicorn_conf.py", "--bind", "0.0.0.0:8000"]
