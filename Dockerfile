# Production image of the ILP platform. The same image runs the web server (default
# command), the one-shot migration, the Celery worker and Celery beat: see
# docker-compose.yml and docs/deployment.md.
FROM python:3.11-slim

# PYTHONPATH: the project's source in /app comes before the installed copy in
# site-packages, so templates, static files and BASE_DIR always resolve inside /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=ilp_platform.settings \
    ILP_ENV=production \
    ILP_DATA_DIR=/data

# WeasyPrint (PDF reports) needs Pango, HarfBuzz and a font; curl serves the health check,
# procps (pgrep) the Celery beat health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        curl \
        procps \
 && rm -rf /var/lib/apt/lists/*

# Unprivileged user: the code in /app stays owned by root and read-only to it; it writes
# to /data (uploads and working files, a volume), its home (caches, e.g. fontconfig) and /tmp.
RUN groupadd --system --gid 10001 ilp \
 && useradd --system --uid 10001 --gid ilp --create-home --home-dir /home/ilp \
        --shell /usr/sbin/nologin ilp \
 && mkdir -p /data \
 && chown ilp:ilp /data

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml or README.md
# change. No source package is present yet, so this installs the dependencies only.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . \
 && rm -rf build *.egg-info

# The project itself.
COPY . .
RUN pip install --no-cache-dir --no-deps --force-reinstall . \
 && rm -rf build *.egg-info \
 && ILP_ENV=build python manage.py collectstatic --noinput \
 && python -m compileall -q /app/ilp_platform /app/intelligence /app/analysis /app/tasking /app/audit /app/oversight

USER ilp

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://localhost:8000/healthz || exit 1

CMD ["sh", "-c", "exec gunicorn ilp_platform.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
