"""The deployment files (deploy/, .dockerignore), checked with what runs on these machines: there
is no container engine and no cluster here, so no image is built and no pod is started.

- Kubernetes: `kubectl kustomize` renders the base and the production overlay (its Secret made
  from the committed example, in a copy), and every object is validated strictly against the API
  schemas kubernetes-validate ships, for Kubernetes 1.30 and for the newest it knows. Then what the
  schemas cannot say: probes, resources, unprivileged read-only containers, pinned images, the
  ports and health routes of bot/settings.py, the commands of bot/ops/processes.py, the stores of
  its scaled profile, disruption budgets, and secrets only ever from the environment.
- compose: the compose-spec schema (check-jsonschema's vendored copy), and the same invariants.
- Dockerfiles: parsed (dockerfile-parse); what they copy exists and is not ignored, they install the
  committed locks, train the model and build the embedding at build time, and run as a user.
Each validator is first shown a broken file: a check that cannot fail must not pass.
`make deploy-check` runs this file alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import tomllib
import yaml
from dockerfile_parse import DockerfileParser

from bot.ops import model_cache, processes
from bot.ops.gateway import TEMPLATE, GatewayConfig, render
from bot.settings import Settings
from tests.unit.test_house_rules import documented_variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILES = {"rasa": DEPLOY / "docker" / "rasa.Dockerfile", "services": DEPLOY / "docker" / "services.Dockerfile"}
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
"""A release managed clusters still commonly run, and the newest one kubernetes-validate has schemas for."""
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
OUR_IMAGES = {"banshi-rasa", "banshi-services"}
SECRETISH = re.compile(r"TOKEN|SECRET|PASSWORD|_KEY$|_AUTH$")
SECRETS_EXAMPLE = PRODUCTION / "secrets.env.example"
COMPOSE_EXAMPLE = DEPLOY / "compose.env.example"


# ------------------------------------------------------------------------------------ helpers


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl (with kustomize) is not installed: the Kubernetes manifests cannot be rendered here")
    return found


def kustomize(folder: Path) -> list[dict]:
    rendered = subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def load_module(path: Path) -> ModuleType:
    """A script of deploy/ (not a package), loaded by its path."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def defaults() -> Settings:
    """bot/settings.py's defaults, whatever this machine's environment says."""
    mp = pytest.MonkeyPatch()
    try:
        for name in [n for n in os.environ if n.startswith("BANSHI_")]:
            mp.delenv(name)
        return Settings.from_env()
    finally:
        mp.undo()


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def by_name(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def container_command(workload: dict) -> list[str]:
    main = pod_spec(workload)["containers"][0]
    return [*main.get("command", []), *main.get("args", [])]


def normalise(cmd: list[str]) -> list[str]:
    """A command with compose's ${X} and Kubernetes' $(X) written alike."""
    return [re.sub(r"\$[({]([A-Z0-9_]+)(?::\?[^}]*)?[)}]", r"<\1>", str(part)) for part in cmd]


def shape(cmd: list[str]) -> list[str]:
    """The module and flags of a command, values left out: what must match `make run`'s."""
    out, skip = [], False
    for part in cmd[1:]:  # never the interpreter: a path of this machine
        if skip:
            out.append("…")
            skip = False
        elif part.startswith("--"):
            out.append(part)
            skip = part not in ("--enable-api", "--quiet")
        else:
            out.append(part)
    return out


def flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def ignored_by_docker(relative: str, patterns: list[str]) -> bool:
    """.dockerignore's matching as Docker does it for the patterns used here (`*`, `**`, folders)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        regex = re.escape(pattern.strip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            return True
    return False


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def stages(dockerfile: Path) -> list[list[dict]]:
    """The instructions of each build stage, in order."""
    found: list[list[dict]] = []
    for instruction in DockerfileParser(str(dockerfile)).structure:
        if instruction["instruction"] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


# ----------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return kustomize(BASE)


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> list[dict]:
    """The overlay as an operator renders it, its secrets file made from the committed example."""
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets.env"))
    shutil.copy(SECRETS_EXAMPLE, copy / "overlays" / "production" / "secrets.env")
    return kustomize(copy / "overlays" / "production")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # resolves the << merges


# ------------------------------------------------------------------------------ the validators


def test_the_validators_refuse_what_is_broken(tmp_path):
    misspelled = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replica": 2, "selector": {}, "template": {"spec": {"containers": []}}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelled, KUBERNETES_VERSIONS[0], strict=True)
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    image: x:1\n    restart_policy: always\n", encoding="utf-8")
    assert check_compose(broken).returncode != 0


def check_compose(path: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("which", ["base", "production"])
def test_every_object_fits_the_kubernetes_api(which, version, request):
    objects = request.getfixturevalue(which)
    assert len(objects) > 20
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']} (Kubernetes {version}): {error.message}")


def test_the_compose_file_fits_the_compose_spec():
    checked = check_compose(COMPOSE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# ----------------------------------------------------------------------------------- Kubernetes


def test_the_manifests_hold_every_part_of_the_stack(base, production):
    deployments = by_name(base, "Deployment")
    assert set(deployments) == {"rasa", "action-server", "console", "portal", "gateway", "redis"}
    assert set(by_name(base, "StatefulSet")) == {"postgres"}
    assert {"rasa-endpoints", "banshi-config", "postgres-init"} <= {
        name.rsplit("-", 1)[0] for name in by_name(base, "ConfigMap")
    }
    assert "banshi" in by_name(production, "Namespace")
    assert by_name(production, "Namespace")["banshi"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )
    (ingress,) = by_name(production, "Ingress").values()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "gateway", "the gateway is the only way in"


@pytest.mark.parametrize("which", ["base", "production"])
def test_every_container_has_probes_resources_and_no_privileges(which, request):
    """What the Pod Security Standard "restricted" asks, and more: read-only root filesystems,
    no service-account token, no Service environment variables (RASA_PORT=tcp://… and the like)."""
    for workload in workloads(request.getfixturevalue(which)):
        name, spec = workload["metadata"]["name"], pod_spec(workload)
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["enableServiceLinks"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in containers(workload):
            where = f"{name}/{container['name']}"
            limits, requests = container["resources"]["limits"], container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(limits) and {"cpu", "memory"} <= set(requests), where
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["runAsNonRoot"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
        for container in spec["containers"]:
            assert "livenessProbe" in container and "readinessProbe" in container, name


@pytest.mark.parametrize("which", ["base", "production"])
def test_images_are_pinned_and_ours_carry_the_projects_version(which, request):
    for workload in workloads(request.getfixturevalue(which)):
        for container in containers(workload):
            image = container["image"]
            name, _, tag = image.rpartition(":")
            assert name and tag and tag != "latest" and "/" not in tag, image
            if name.rsplit("/", 1)[-1] in OUR_IMAGES:
                assert tag == VERSION, f"{image}: tag the images with pyproject.toml's version {VERSION}"


def test_ports_and_health_routes_are_the_apps_own(base):
    """The containers listen where bot/settings.py says by default, the Services pass the same
    ports on (so the in-cluster URLs read like make run's), the probes ask the routes the
    launcher waits for (Rasa's `GET /` needs no token; the action server is ready once its
    knowledge base is loaded, alive while it answers)."""
    settings = defaults()
    apps = {
        "rasa": (settings.rasa_port, urlsplit(processes.rasa_health_url(settings.rasa_port)).path, None),
        "action-server": (settings.action_port, "/health", urlsplit(processes.action_ready_url(0)).path),
        "console": (settings.console_port, "/health", None),
        "portal": (settings.portal_port, "/health", None),
    }
    deployments, services = by_name(base, "Deployment"), by_name(base, "Service")
    for name, (port, route, ready) in apps.items():
        container = pod_spec(deployments[name])["containers"][0]
        assert container["ports"] == [{"name": "http", "containerPort": port}], name
        assert services[name]["spec"]["ports"][0]["port"] == port, name
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = (ready or route) if probe == "readinessProbe" else route
            assert container[probe]["httpGet"] == {"path": path, "port": "http"}, f"{name} {probe}"
        assert str(port) in container_command(deployments[name]), name


def test_every_service_selects_pods_and_names_their_ports(base):
    templates = [(w["spec"]["template"]["metadata"]["labels"], w) for w in workloads(base)]
    for service in by_name(base, "Service").values():
        selector = service["spec"]["selector"]
        (workload,) = [w for labels, w in templates if selector.items() <= labels.items()]
        names = {p.get("name") for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in names, service["metadata"]["name"]


def test_replicated_workloads_have_a_disruption_budget(base):
    budgets = by_name(base, "PodDisruptionBudget").values()
    for workload in workloads(base):
        if workload["spec"]["replicas"] > 1:
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert any(b["spec"]["selector"]["matchLabels"].items() <= labels.items() for b in budgets), workload[
                "metadata"
            ]["name"]


def test_the_settings_name_services_that_exist(base, compose):
    """Every in-cluster address in the shared settings is a Service with that port, in Kubernetes
    and in compose alike."""
    settings = env_file(BASE / "config.env")
    services = {name: {p["port"] for p in s["spec"]["ports"]} for name, s in by_name(base, "Service").items()}
    public = settings.pop("BANSHI_PUBLIC_URL")
    assert urlsplit(public).hostname == "localhost", "the overlay or compose's env file names the site"
    addresses = [urlsplit(v) for v in settings.values() if v.startswith("http://")]
    addresses += [urlsplit(f"tcp://{settings['DB_HOST']}:{settings['DB_PORT']}")]
    addresses += [urlsplit(f"tcp://{settings['REDIS_HOST']}:{settings['REDIS_PORT']}")]
    assert len(addresses) >= 6
    for address in addresses:
        assert address.port in services.get(address.hostname, ()), address.geturl()
        assert address.hostname in compose["services"], address.geturl()


def test_the_commands_are_those_of_make_run(base, compose, monkeypatch):
    """bot/ops/processes.py builds the commands `make run` and the tests start; the containers
    run the same modules with the same options (production profile: no REST channel)."""
    monkeypatch.setenv("BANSHI_RASA_TOKEN", "not-a-secret")  # rasa_server_cmd would make one
    settings = defaults()
    rasa = processes.rasa_server_cmd(Path("m"), Path("e"), settings.rasa_port, ROOT, Path("c"), origins=("o",))
    expected = {
        "rasa": rasa,
        "action-server": processes.action_server_cmd(settings.action_port),
        "console": processes.console_cmd(settings.console_port, "https://public"),
        "portal": processes.portal_cmd(settings.portal_port),
        "kb-import": processes.kb_import_cmd(Path("/app/knowledge")),
    }
    deployments = by_name(base, "Deployment")
    (kb_import,) = pod_spec(deployments["action-server"])["initContainers"]
    running = {name: container_command(deployments[name]) for name in ("rasa", "action-server", "console", "portal")}
    running["kb-import"] = kb_import["command"]
    for name, cmd in running.items():
        assert shape(cmd) == shape(expected[name]), name
        assert normalise(compose["services"][name]["command"]) == normalise(cmd), f"compose and Kubernetes: {name}"
        if "--host" in cmd or "--interface" in cmd:
            assert flag(cmd, "--host" if "--host" in cmd else "--interface") == "0.0.0.0", name
    gateway = container_command(deployments["gateway"])
    assert gateway == compose["services"]["gateway"]["command"] == ["python", "/app/deploy/docker/gateway.py"]
    # the model the rasa image trained, the endpoints the ConfigMap mounts, the channels without REST
    assert flag(running["rasa"], "--model") == "/app/models/banshi.tar.gz"
    mounts = {m["name"]: m["mountPath"] for m in pod_spec(deployments["rasa"])["containers"][0]["volumeMounts"]}
    assert flag(running["rasa"], "--endpoints") == f"{mounts['endpoints']}/endpoints.yml"
    assert flag(running["rasa"], "--credentials") == "/app/credentials.production.yml"
    channels = yaml.safe_load((ROOT / "credentials.production.yml").read_text(encoding="utf-8"))
    assert "rest" not in channels
    assert flag(running["rasa"], "--cors") == flag(running["console"], "--origin") == "$(BANSHI_PUBLIC_URL)"


def test_rasa_runs_the_scaled_profiles_stores(base, monkeypatch, tmp_path):
    """deploy/k8s/base/endpoints.yml is write_endpoints' scaled profile on the services: the
    private SQL tracker store on PostgreSQL, the Redis lock store, the editors' wording, the action
    server's secret header; its ${…} are the variables the containers are given."""
    monkeypatch.setenv("BANSHI_ACTION_SECRET", "not-a-secret")
    ours = yaml.safe_load((BASE / "endpoints.yml").read_text(encoding="utf-8"))
    reference = yaml.safe_load(
        processes.write_endpoints(
            tmp_path / "endpoints.yml", 5055, "postgresql://banshi@postgres:5432/rasa", ROOT, "redis://redis:6379/1"
        ).read_text(encoding="utf-8")
    )
    assert ours.keys() == reference.keys()
    for store in ("tracker_store", "lock_store"):
        assert ours[store]["type"] == reference[store]["type"], store
    assert ours["tracker_store"]["dialect"] == "postgresql"
    assert ours["nlg"] == reference["nlg"]
    assert ours["action_endpoint"]["headers"] == {processes.SECRET_HEADER: "${BANSHI_ACTION_SECRET}"}
    action = urlsplit(ours["action_endpoint"]["url"])
    service = by_name(base, "Service")[action.hostname]
    assert (action.port, action.path) == (service["spec"]["ports"][0]["port"], "/webhook")
    # Rasa's env-var references are given to its container: by the settings, the Secret or env
    given = set(env_file(BASE / "config.env")) | set(env_file(SECRETS_EXAMPLE))
    wanted = set(re.findall(r"\$\{([A-Z0-9_]+)\}", (BASE / "endpoints.yml").read_text(encoding="utf-8")))
    assert wanted and wanted <= given


RASA_READS_ENDPOINTS = """
import inspect, os, sys
os.environ.update(BANSHI_ACTION_SECRET="a", DB_HOST="postgres", DB_PORT="5432", DB_USER="banshi",
                  DB_PASSWORD="p", REDIS_HOST="redis", REDIS_PORT="6379", REDIS_PASSWORD="r")
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.core.utils import AvailableEndpoints
endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
store = endpoints.tracker_store
unknown = set(store.kwargs) - {"type"} - set(inspect.signature(SQLTrackerStore.__init__).parameters)
assert not unknown, unknown
lock = LockStore.create(endpoints.lock_store)
print(type(lock).__name__, store.url, store.kwargs["password"], endpoints.action.headers, endpoints.nlg.type)
"""


@pytest.fixture(scope="module", autouse=True)
def rasa_reading():
    """Rasa's import takes seconds: it starts with the module's first test and runs beside the rest."""
    python = ROOT / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        yield None
        return
    cmd = [str(python), "-c", RASA_READS_ENDPOINTS, str(BASE / "endpoints.yml")]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate()


def test_rasa_itself_reads_the_endpoints(rasa_reading):
    """Rasa 3.6.21 (the 3.10 runtime) reads the file with its own loader, fills the ${…} from the
    environment and accepts every option of both stores."""
    if rasa_reading is None:
        pytest.skip("the Rasa runtime (.venv-rasa) is not installed: run `make setup`")
    out, err = rasa_reading.communicate(timeout=120)
    assert rasa_reading.returncode == 0, err[-3000:]
    assert out.split()[:3] == ["RedisLockStore", "postgres", "p"]
    assert "bot.nlg.EditedWordingNLG" in out


# ------------------------------------------------------------------------------------- secrets


def secrets_the_code_reads() -> set[str]:
    """Every installation secret (bot/settings.py `secret(name)`, bot/sealing.py `Sealer.named`):
    given as BANSHI_<NAME>, or the process writes a random one into data/secrets — which on a
    read-only root filesystem fails, and on a writable one would differ between containers."""
    names = set()
    for folder in ("bot", "actions", "channels", "console", "portal"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"""(?:\bsecret|Sealer\.named)\(\s*["']([a-z_]+)["']""", path.read_text()))
    return {f"BANSHI_{name.upper()}" for name in names}


def test_every_secret_comes_from_the_environment(base, production, compose):
    code = secrets_the_code_reads()
    assert {"BANSHI_RASA_TOKEN", "BANSHI_ACTION_SECRET", "BANSHI_TOKEN_KEY", "BANSHI_TRACKER_KEY"} <= code
    for example in (SECRETS_EXAMPLE, COMPOSE_EXAMPLE):
        assert code <= set(env_file(example)), example.name
    environment = compose["services"]["rasa"]["environment"]
    assert code <= set(environment)
    # the Kubernetes Secret is the overlay's, generated from a file that is never committed
    assert by_name(base, "Secret") == {}
    (secret,) = by_name(production, "Secret").values()
    assert secret["metadata"]["name"].startswith("banshi-secrets-")
    assert set(secret["data"]) == set(env_file(SECRETS_EXAMPLE))
    keys = set(env_file(SECRETS_EXAMPLE))
    for workload in workloads(base):
        for container in containers(workload):
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in keys, var
                elif SECRETISH.search(var["name"]):
                    pytest.fail(f"{workload['metadata']['name']}: {var['name']} has a value in the manifest")
                # a URL carries a password only as a reference to the Secret's variable
                if "@" in var.get("value", ""):
                    assert re.search(r"://[^:/]*:\$\((DB|REDIS)_PASSWORD\)@", var["value"]), var


def test_no_secret_is_committed():
    secrets = env_file(SECRETS_EXAMPLE)
    assert [k for k, v in secrets.items() if v] == [], "secrets.env.example holds empty placeholders only"
    compose_secrets = {k: v for k, v in env_file(COMPOSE_EXAMPLE).items() if k in secrets}
    assert compose_secrets.keys() == secrets.keys()
    assert [k for k, v in compose_secrets.items() if v] == [], "compose.env.example: empty placeholders only"
    for ignored in (PRODUCTION / "secrets.env", DEPLOY / "compose.env"):
        checked = subprocess.run(["git", "check-ignore", "-q", str(ignored)], cwd=ROOT)
        assert checked.returncode == 0, f"{ignored.relative_to(ROOT)} must be ignored by git"
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            kinds = [d.get("kind") for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
            assert "Secret" not in kinds, path


def test_compose_takes_secrets_from_its_env_file(compose):
    """Secrets are `${NAME:?…}` from the env file (compose stops when one is missing), never values."""
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRETISH.search(key):
                given = re.fullmatch(r"\$\{([A-Z0-9_]+):\?[^}]+\}", str(value))
                assert given and SECRETISH.search(given.group(1)), f"{name}: {key}"
            elif "@" in str(value):
                assert re.search(r"://[^:/]*:\$\{(DB|REDIS)_PASSWORD(:\?[^}]*)?\}@", value), f"{name}: {key}"
    lines = [line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", "\n".join(lines)))
    assert used <= set(env_file(COMPOSE_EXAMPLE)), "every variable compose reads is in compose.env.example"


# ------------------------------------------------------------------------------------- compose


def test_compose_publishes_only_the_gateway_and_starts_in_order(compose):
    services = compose["services"]
    assert set(services) == {"gateway", "rasa", "action-server", "kb-import", "console", "portal", "postgres", "redis"}
    assert [name for name, s in services.items() if "ports" in s] == ["gateway"]
    assert services["gateway"]["ports"] == ["${BANSHI_PUBLIC_PORT:-8080}:8080"]
    for name, service in services.items():
        image, _, tag = service["image"].rpartition(":")
        assert tag and tag != "latest", name
        if image in OUR_IMAGES:
            assert tag == VERSION, name
            assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        if service.get("restart") != "no":
            assert "healthcheck" in service, name
        for dependency, condition in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if dependency == "kb-import" else "service_healthy"
            assert condition == {"condition": wanted}, f"{name} → {dependency}"
    assert services["rasa"]["environment"]["SANIC_WORKERS"] == "2", "the scaled profile: two workers"
    assert services["rasa"]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"


def test_compose_and_kubernetes_use_the_same_images_and_settings(base, compose):
    images = {c["image"] for w in workloads(base) for c in containers(w)}
    assert {s["image"] for s in compose["services"].values()} == images
    assert compose["configs"]["endpoints"]["file"] == "./k8s/base/endpoints.yml"
    assert compose["services"]["action-server"]["env_file"] == ["./k8s/base/config.env"]
    rasa = pod_spec(by_name(base, "Deployment")["rasa"])["containers"][0]
    assert {"name": "RASA_TELEMETRY_ENABLED", "value": "false"} in rasa["env"]


# ---------------------------------------------------------------------------------- Dockerfiles


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_the_dockerfile_builds_from_the_checkout_and_runs_as_a_user(image):
    dockerfile = DOCKERFILES[image]
    built = stages(dockerfile)
    patterns = dockerignore()
    for stage in built:
        base_image = stage[0]["value"].split()[0]
        name, _, tag = base_image.rpartition(":")
        assert name and tag and tag != "latest", base_image
        for instruction in stage:
            if instruction["instruction"] in ("COPY", "ADD") and "--from=" not in instruction["value"]:
                *sources, _target = instruction["value"].split()
                for source in sources:
                    assert source == "." or (ROOT / source).exists(), f"{dockerfile.name}: {source}"
                    assert source == "." or not ignored_by_docker(source, patterns), source
            if instruction["instruction"] in ("ENV", "ARG"):
                names = re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", instruction["value"])
                assert not [n for n in names if SECRETISH.search(n)], f"{dockerfile.name}: {names}"
                banshi = {n for n in names if n.startswith("BANSHI_")}
                assert banshi <= documented_variables(), banshi
    final = built[-1]
    (user,) = [i["value"] for i in final if i["instruction"] == "USER"]
    assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user), f"a numeric user, not root: {user}"
    assert [i for i in final if i["instruction"] == "HEALTHCHECK"], dockerfile.name
    text = dockerfile.read_text(encoding="utf-8")
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    uv = re.search(r"UV_VERSION=(\S+)", setup).group(1)
    assert f"uv=={uv}" in text, "the uv that scripts/setup.sh pins"
    python = {"rasa": "3.10", "services": "3.11"}[image]
    (version,) = {m for m in re.findall(r"python:(\d+\.\d+\.\d+)", text)}
    assert version.startswith(python + ".") and version in setup, f"the interpreter setup.sh uses: {version}"


def test_the_images_need_nothing_from_outside_at_run_time():
    """The Rasa model is trained and the embedding model built while the images are made, from
    the committed locks; torch is the CPU build the lock pins."""
    rasa = DOCKERFILES["rasa"].read_text(encoding="utf-8")
    assert "requirements/rasa.lock" in rasa
    (train,) = [i["value"] for i in DockerfileParser(str(DOCKERFILES["rasa"])).structure if "rasa train" in i["value"]]
    words = train.split()
    data = words[words.index("--data") + 1 : words.index("--out")]
    assert data == list(model_cache.TRAINING_DATA), "the training data of bot/ops/model_cache.py"
    assert (flag(words, "--config"), flag(words, "--domain")) == ("config.yml", "domain.yml")
    assert f"{flag(words, '--out')}/{flag(words, '--fixed-model-name')}.tar.gz" == "/app/models/banshi.tar.gz"
    services = DOCKERFILES["services"].read_text(encoding="utf-8")
    assert "requirements/actions.lock" in services
    assert "torch==2.13.0+cpu" in (ROOT / "requirements" / "actions.lock").read_text(encoding="utf-8")
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in services
    assert "python -m bot.ops.embedding_build" in services
    assert "console/package-lock.json" in services and "npm ci" in services


def test_the_build_context_leaves_out_secrets_and_keeps_what_runs():
    patterns = dockerignore()
    for private in ("data/secrets/rasa_token", "data/db/banshi.db", ".venv-actions/bin/python", "models/x.tar.gz"):
        assert ignored_by_docker(private, patterns), private
    for secrets_file in ("deploy/compose.env", "deploy/k8s/overlays/production/secrets.env", ".env"):
        assert ignored_by_docker(secrets_file, patterns), secrets_file
    needed = [
        "README.md",  # pyproject.toml's readme: the editable install reads it
        "config.yml",
        "domain.yml",
        "credentials.production.yml",
        "knowledge",
        "console/static",
        "deploy/docker/gateway.py",
        str(TEMPLATE.relative_to(ROOT)),
        *model_cache.TRAINING_DATA,
        *(d.name for d in ROOT.iterdir() if d.is_dir() and (d / "__init__.py").exists() and d.name != "tests"),
    ]
    for path in needed:
        assert (ROOT / path).exists() and not ignored_by_docker(path, patterns), path


# ------------------------------------------------------------------------------------- gateway


def test_the_gateway_container_changes_only_its_upstreams(base):
    """deploy/docker/gateway.py renders the production profile's template, tested against real
    nginx elsewhere (tests/e2e/test_attack_surface.py), with Rasa and the console as services."""
    gateway = load_module(DEPLOY / "docker" / "gateway.py")
    config = GatewayConfig("0.0.0.0", gateway.LISTEN_PORT, 5005, 8002, Path("/tmp/gateway"))
    ours, loopback = gateway.container_config(config).splitlines(), render(config).splitlines()
    changed = [(a.strip(), b.strip()) for a, b in zip(loopback, ours) if a != b]
    assert len(ours) == len(loopback)
    assert changed == [
        ("server 127.0.0.1:5005;", "server rasa:5005;"),
        ("server 127.0.0.1:8002;", "server console:8002;"),
    ]
    assert "listen 0.0.0.0:8080;" in ours[ours.index("    server {") + 1]
    (container,) = pod_spec(by_name(base, "Deployment")["gateway"])["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": gateway.LISTEN_PORT}]


# -------------------------------------------------------------------------------- house rules


def test_the_banshi_variables_set_are_documented_and_the_hotline_is_not_named():
    texts = {
        path: path.read_text(encoding="utf-8")
        for path in [*DEPLOY.rglob("*"), ROOT / ".dockerignore"]
        if path.is_file() and path.name != "nginx.conf.template"
    }
    named = {name for text in texts.values() for name in re.findall(r"\bBANSHI_[A-Z0-9_]*[A-Z0-9]\b", text)}
    assert len(named) > 20
    assert sorted(named - documented_variables()) == []
    hotline = re.compile(rf"(?<!\d){re.escape(defaults().hotline)}(?!\d)")
    assert [str(p) for p, text in texts.items() if hotline.search(text)] == []
