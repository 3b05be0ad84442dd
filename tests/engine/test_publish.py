"""The publish stage on a real engine, a real htpasswd registry (127.0.0.1:5001) and real cosign.

One full-tier run of a copy of examples/webapp, tagged v1.2.3, publishes to the local auth registry;
the faults then drive the Docker executor's publish step on that run's build outputs (so the
pipeline is not rebuilt for each fault): registry down, wrong password, immutable tag present.

The same run is the security check of publishing: a registry password, a cosign key and its
password never show in any process's argv while it runs (every /proc/*/cmdline sampled), the CLI's
output, any file under .shipyard/, nor in the built image (every layer and the config of a
`docker save`, and its labels).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio
import pytest

from shipyard.docker.executor import DockerExecutor
from shipyard.executor import StepContext
from shipyard.oci.auth import Credentials
from shipyard.oci.index import Platform, digest_of, image_index
from shipyard.oci.layout import ImageArchive
from shipyard.oci.media import OCI_INDEX
from shipyard.oci.reference import Repository
from shipyard.oci.registry import RegistryClient
from shipyard.session import Selection, open_session
from shipyard.stages.spec import BuildStep, PublishStep
from tests.engine.helpers import cosign_binary, git_copy, shipyard, summary
from tests.engine.secret_leaks import ArgvSampler, image_leaks

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.timeout(3600)]

REGISTRY = "127.0.0.1:5001"
CREDENTIALS_FILE = "/var/lib/shipyard-engine/registry-auth.credentials"
COSIGN_IMAGE = "ghcr.io/sigstore/cosign/cosign:v2.5.0"
KEY_PASSWORD = "key-" + secrets.token_hex(8)
VERSION_TAG = "v1.2.3"


@dataclass(frozen=True)
class Published:
    """The published project and everything secret about it."""

    project: Path
    repository: str
    username: str
    password: str = field(repr=False)
    key_pem: str = field(repr=False)
    cosign: Path
    keys: Path
    done: subprocess.CompletedProcess[str]
    sampler: ArgvSampler | None = field(default=None, repr=False, compare=False)

    @property
    def secrets(self) -> dict[str, str]:
        return {
            "SHIPYARD_REGISTRY_USERNAME": self.username,
            "SHIPYARD_REGISTRY_PASSWORD": self.password,
            "COSIGN_KEY": self.key_pem,
            "COSIGN_PASSWORD": KEY_PASSWORD,
        }

    def secret_values(self) -> list[str]:
        auth = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        key_lines = [line for line in self.key_pem.splitlines() if line and not line.startswith("-----")]
        return [self.password, auth, KEY_PASSWORD, *key_lines]


def _credentials() -> tuple[str, str]:
    try:
        text = Path(CREDENTIALS_FILE).read_text(encoding="utf-8").strip()
    except OSError as exc:
        pytest.skip(f"no credentials of the auth registry: {exc} (run the engine bootstrap as root)")
    user, _, password = text.partition(":")
    return user, password


def _raw_get(path: str, user: str, password: str, accept: str = OCI_INDEX) -> tuple[int, bytes]:
    """A registry GET without shipyard's client: an independent look at what is there."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{path}", headers={"Authorization": f"Basic {token}", "Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _commit_all(project: Path, message: str) -> None:
    for argv in (
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", message],
    ):
        subprocess.run(argv, cwd=project, check=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    user, password = _credentials()
    keys = tmp_path_factory.mktemp("keys")
    cosign = cosign_binary(keys)
    subprocess.run(
        [str(cosign), "generate-key-pair"],
        cwd=keys,
        env={"COSIGN_PASSWORD": KEY_PASSWORD, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    project = git_copy("webapp", tmp_path_factory.mktemp("publish"))
    repository = f"{REGISTRY}/shipyard-tests/webapp-{secrets.token_hex(4)}"
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace(
        'name = "ghcr.io/shipyard-examples/webapp"', f'name = "{repository}"'
    )
    # a release: the tag names the version the package stage builds (it checks they agree)
    text = text.replace('version = "0.3.1"', f'version = "{VERSION_TAG.removeprefix("v")}"', 1)
    # no trivy vulnerability DB on this machine: its parts would be skipped, and a skipped scan
    # blocks publishing; the test turns trivy off (a not-applicable stage) and keeps gitleaks
    text += "\n[tool.shipyard.scan]\ntrivy = false\n"
    pyproject.write_text(text, encoding="utf-8")
    lock = project / "uv.lock"  # the lock records the project's own version too
    released = f'name = "webapp"\nversion = "{VERSION_TAG.removeprefix("v")}"'
    lock.write_text(lock.read_text().replace('name = "webapp"\nversion = "0.3.1"', released, 1))
    _commit_all(project, "publish to the local registry")
    subprocess.run(["git", "tag", VERSION_TAG], cwd=project, check=True)
    result = Published(
        project=project,
        repository=repository,
        username=user,
        password=password,
        key_pem=(keys / "cosign.key").read_text(encoding="utf-8"),
        cosign=cosign,
        keys=keys,
        done=subprocess.CompletedProcess([], 0),
    )
    with ArgvSampler(result.secret_values()) as sampler:
        done = shipyard(
            "run",
            "--source",
            str(project),
            "publish",
            "--json",
            env={"GITHUB_REF": f"refs/tags/{VERSION_TAG}", **result.secrets},
            timeout=3300,
        )
    return dataclasses.replace(result, done=done, sampler=sampler)


def _publish_json(published: Published) -> dict[str, Any]:
    return json.loads((published.project / ".shipyard/out/publish/publish.json").read_text())


def test_publish_pushes_one_index_of_both_platforms_under_sha_semver_and_latest(published: Published) -> None:
    stages = summary(published.project)
    assert published.done.returncode == 0, (published.done.stderr[-3000:], stages.get("publish"))
    assert stages["publish"]["status"] == "passed", stages["publish"]
    report = _publish_json(published)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=published.project, capture_output=True, text=True, check=True
    ).stdout.strip()
    tags = [f"sha-{sha[:7]}", "1.2.3", "1.2", "1", "latest"]
    assert report["refs"] == [f"{published.repository}:{tag}" for tag in tags]
    assert report["signed"] is True
    assert report["attested"] is True
    assert report["previous"] == dict.fromkeys(tags)
    path = published.repository.removeprefix(f"{REGISTRY}/")
    for tag in tags:
        status, body = _raw_get(f"{path}/manifests/{tag}", published.username, published.password)
        assert status == 200, (tag, body[:300])
        document = json.loads(body)
        assert document["mediaType"] == OCI_INDEX
        platforms = [(m["platform"]["os"], m["platform"]["architecture"]) for m in document["manifests"]]
        assert platforms == [("linux", "amd64"), ("linux", "arm64")]
        assert digest_of(body) == report["digest"]
    # each platform manifest is there by digest, with its layers
    for entry in report["platforms"]:
        status, _ = _raw_get(
            f"{path}/manifests/{entry['digest']}",
            published.username,
            published.password,
            "application/vnd.oci.image.manifest.v1+json",
        )
        assert status == 200


def _cosign_env(published: Published, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "docker"
    config.mkdir()
    auth = base64.b64encode(f"{published.username}:{published.password}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {REGISTRY: {"auth": auth}}}))
    return {"DOCKER_CONFIG": str(config), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}


def test_the_published_image_verifies_with_the_public_key_and_carries_the_sbom(
    published: Published, tmp_path: Path
) -> None:
    ref = f"{published.repository}:1.2.3"
    common = [
        "--key",
        str(published.keys / "cosign.pub"),
        "--insecure-ignore-tlog=true",
        "--allow-http-registry",
    ]
    env = _cosign_env(published, tmp_path)
    verify = subprocess.run(
        [str(published.cosign), "verify", *common, ref], env=env, capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr[-2000:]
    assert _publish_json(published)["digest"] in verify.stdout
    attested = subprocess.run(
        [str(published.cosign), "verify-attestation", *common, "--type", "cyclonedx", ref],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert attested.returncode == 0, attested.stderr[-2000:]
    envelope = json.loads(attested.stdout.splitlines()[0])
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    assert statement["predicate"]["bomFormat"] == "CycloneDX"


def test_no_secret_value_appears_in_any_report_or_log(published: Published) -> None:
    state = published.project / ".shipyard"
    out = state / "out"
    assert (out / "summary.json").is_file()
    assert (out / "summary.md").is_file()
    assert (out / "publish" / "log.txt").is_file()
    leaks = [
        (str(path.relative_to(state)), value[:4] + "…")
        for path in state.rglob("*")
        if path.is_file()
        for value in published.secret_values()
        if value.encode() in path.read_bytes()
    ]
    assert leaks == []
    console = published.done.stdout + published.done.stderr
    assert [v[:4] for v in published.secret_values() if v in console] == []


def test_no_secret_in_any_argv_while_publishing(published: Published) -> None:
    sampler = published.sampler
    assert sampler is not None
    assert sampler.samples > 20, "the sampler did not run during the publish"
    assert any("cosign" in p for p in sampler.processes), "cosign was never seen running"
    assert sampler.hits == []


def test_no_secret_in_image_layers_config_or_labels(published: Published) -> None:
    build = open_session(
        published.project, Selection(names=("build-linux-amd64",), platforms=("linux/amd64",))
    )
    action = build.plan.get("build-linux-amd64").action
    assert isinstance(action, BuildStep)
    checked, leaks = image_leaks(action.tag, published.secret_values())
    assert checked > 3, "docker save gave no layers"
    assert leaks == []
    labels = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", action.tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [v[:4] for v in published.secret_values() if v in labels] == []


# ---------------------------------------------------------------- faults


def _publish_with(
    published: Published, tmp_path: Path, *, repository: str, secrets_: dict[str, str]
) -> StageOutcome:
    """Run the Docker executor's publish step on the published run's outputs, to another repository."""
    session = open_session(published.project, Selection(names=("publish",)))
    stage = session.plan.get("publish")
    assert isinstance(stage.action, PublishStep)
    stage = dataclasses.replace(stage, action=dataclasses.replace(stage.action, repository=repository))
    out_dir = tmp_path / "publish"
    out_dir.mkdir()
    context = StepContext(
        root=published.project,
        files=(),
        out_dir=out_dir,
        upstream={n: session.out_root / n for n in stage.needs},
        secrets=secrets_,
        log=lambda _line: None,
    )
    executor = DockerExecutor()
    try:
        return anyio.run(executor.run, stage, context)
    finally:
        executor.cleanup()


def _assert_no_leak(published: Published, out_dir: Path, outcome: StageOutcome) -> None:
    assert not (out_dir / "publish.json").exists()
    text = "".join(p.read_text(errors="replace") for p in out_dir.rglob("*") if p.is_file())
    text += outcome.error or ""
    for value in published.secret_values():
        assert value not in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_registry_that_is_down_is_named_and_nothing_is_written(
    published: Published, tmp_path: Path
) -> None:
    port = _free_port()
    outcome = _publish_with(
        published, tmp_path, repository=f"127.0.0.1:{port}/shipyard-tests/down", secrets_=published.secrets
    )
    assert outcome.error is not None
    assert outcome.error.startswith(f"cannot reach registry 127.0.0.1:{port}: ")
    assert "Connection refused" in outcome.error
    _assert_no_leak(published, tmp_path / "publish", outcome)


def test_a_wrong_password_is_one_clear_error_and_no_tag_is_written(
    published: Published, tmp_path: Path
) -> None:
    repository = f"{REGISTRY}/shipyard-tests/wrongpw-{secrets.token_hex(4)}"
    wrong = {**published.secrets, "SHIPYARD_REGISTRY_PASSWORD": "not-the-password-" + secrets.token_hex(4)}
    outcome = _publish_with(published, tmp_path, repository=repository, secrets_=wrong)
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"registry {REGISTRY} refused the credentials for user {published.username}"
    )
    assert wrong["SHIPYARD_REGISTRY_PASSWORD"] not in outcome.error
    path = repository.removeprefix(f"{REGISTRY}/")
    status, _ = _raw_get(f"{path}/tags/list", published.username, published.password, "application/json")
    assert status == 404  # the repository was never created
    _assert_no_leak(published, tmp_path / "publish", outcome)


def test_missing_secrets_are_named_before_anything_is_contacted(published: Published, tmp_path: Path) -> None:
    outcome = _publish_with(
        published, tmp_path, repository=f"127.0.0.1:{_free_port()}/x/y", secrets_={"COSIGN_PASSWORD": "x"}
    )
    assert outcome.error is not None
    assert outcome.error.startswith(
        "publishing needs SHIPYARD_REGISTRY_USERNAME, SHIPYARD_REGISTRY_PASSWORD, COSIGN_KEY set"
    )


def test_an_immutable_tag_that_exists_already_is_refused_by_name_and_nothing_moves(
    published: Published, tmp_path: Path
) -> None:
    repository = f"{REGISTRY}/shipyard-tests/immutable-{secrets.token_hex(4)}"
    sha_tag = _publish_json(published)["tags"][0]
    # someone else's image already holds the sha tag: push one platform of the build alone under it
    client = RegistryClient(Repository.parse(repository), Credentials(published.username, published.password))
    client.login()
    build = published.project / ".shipyard/out/build-linux-amd64/image.tar"
    with ImageArchive(build) as archive:
        image = archive.image(Platform.parse("linux/amd64"))
        for blob in image.blobs:
            with archive.open(blob.digest) as content:
                client.upload_blob(blob.digest, blob.size, content)
        client.put_manifest(image.digest, image.manifest, image.media_type)
    other = client.put_manifest(sha_tag, image_index([image.entry()]), OCI_INDEX)

    outcome = _publish_with(published, tmp_path, repository=repository, secrets_=published.secrets)
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"tag {sha_tag} already exists in {repository} as {other[:19]} and is immutable"
    )
    assert client.manifest_digest(sha_tag) == other
    assert client.manifest_digest("latest") is None
    assert client.manifest_digest("1.2.3") is None
    _assert_no_leak(published, tmp_path / "publish", outcome)
    listed = cast(
        "dict[str, Any]",
        json.loads(
            _raw_get(
                f"{repository.removeprefix(REGISTRY + '/')}/tags/list",
                published.username,
                published.password,
                "application/json",
            )[1]
        ),
    )
    assert listed["tags"] == [sha_tag]
