# syntax=docker/dockerfile:1
# finetune-check: the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY core ./core
COPY bot ./bot
RUN pip install --no-cache-dir .

FROM python:3.11-slim-bookworm AS runtime
# The Alembic scripts are installed with the package (bot/persistence/migrations in /opt/venv).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    PORT=3000 DATABASE_URL=sqlite+aiosqlite:////data/finetune-check.db
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app /data && chown app:app /data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=2)"]
CMD ["python", "-m", "bot"]
