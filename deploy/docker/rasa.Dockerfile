# The Rasa server of banshi (Python 3.10: Rasa Open Source 3.6.21 runs on nothing newer).
# Build from the checkout:  docker build -f deploy/docker/rasa.Dockerfile -t banshi-rasa:0.12.0 .
#
# The model is trained here, at build time, from the same inputs and with the same command as
# `make train` (bot/ops/model_cache.py), so a container never trains or downloads at run time
# and the image's tag names the model it serves. Nothing secret is built in: the HTTP API's token,
# the action server's secret and the rest arrive as environment variables (README: Deployment).

# --- build: the locked runtime, the project, the trained model ------------------------------------
FROM python:3.10.13-slim-bookworm AS build

# uv, pinned as scripts/setup.sh pins it: it installs the lock in seconds where pip takes minutes.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# The dependencies first, from the lock alone, so that a change of the sources reuses this layer.
COPY requirements/rasa.lock /tmp/rasa.lock
RUN uv venv --python /usr/local/bin/python3.10 /opt/venv \
 && uv pip sync --python /opt/venv/bin/python /tmp/rasa.lock

# The project, installed editable as setup.sh does (no dependencies): `bot.*` components and
# `channels.*` import from /app, and settings.PROJECT_ROOT is /app.
COPY . /app
WORKDIR /app
RUN uv pip install --python /opt/venv/bin/python --no-deps -e /app

ENV PATH=/opt/venv/bin:$PATH \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1

# The training data and arguments of bot/ops/model_cache.py (TRAINING_DATA); a fixed name, since
# the image's tag already says which sources it was trained on.
RUN rasa train --config config.yml --domain domain.yml --data data/nlu data/rules data/stories \
      --out /app/models --fixed-model-name banshi \
 && rm -rf /app/.rasa \
 && python -m compileall -q /app/bot /app/channels

# --- runtime: the same base, the environment and the model, a user of its own --------------------
FROM python:3.10.13-slim-bookworm

# /data: the shared files (upload inbox); a new compose volume takes its owner from the image.
RUN groupadd --gid 10001 banshi \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin banshi \
 && mkdir /data && chown 10001:10001 /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

# /tmp is the only place written at run time (the model unpacked, jieba's cache): a tmpfs or an
# emptyDir, so the root filesystem can be read-only. The code is root's and read-only to the server.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/.matplotlib \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    BANSHI_BIND_HOST=0.0.0.0

USER 10001:10001
EXPOSE 5005

# `GET /` answers 200 once the model is loaded, without the token (bot/ops/processes.py). The
# start takes 30-40 s on two cores, longer with several workers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=6 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]

# The production profile's channels (no REST channel). The endpoints file is mounted (compose:
# deploy/k8s/base/endpoints.yml; Kubernetes: the ConfigMap made from it); --cors names the public
# site in compose and Kubernetes, which give this command in full.
CMD ["python", "-m", "bot.ops.rasa_server", "run", "--enable-api", "--interface", "0.0.0.0", \
     "--model", "/app/models/banshi.tar.gz", "--endpoints", "/etc/banshi/endpoints.yml", \
     "--credentials", "/app/credentials.production.yml", "--port", "5005"]
