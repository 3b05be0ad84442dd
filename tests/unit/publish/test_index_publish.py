"""publish-package without an engine: the config, the plan, the upload form, and the core's upload
against a small in-process index over real HTTP (the refusals a real pypiserver cannot be made to
give on cue: the second file refused after the first landed, a refused password).

tests/engine/test_index_publish.py runs the whole stage against a real pypiserver.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import json
import tarfile
import threading
import zipfile
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest
from pydantic import ValidationError

from shipyard.config.load import load_project
from shipyard.config.models import PublishConfig
from shipyard.executor import StepContext
from shipyard.gitinfo import NO_GIT
from shipyard.index.endpoints import PYPI_SIMPLE, PYPI_UPLOAD, index_endpoints
from shipyard.index.form import read_distribution
from shipyard.index.simple import JSON_TYPE, files_of_version, listed_files
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.publish.index_run import run_index_publish
from shipyard.stages.publish_package import EvaluateIndexPublish, publish_package_stage
from shipyard.stages.result import Status
from shipyard.stages.spec import IndexPublishStep

if TYPE_CHECKING:
    from collections.abc import Iterator

    from shipyard.config.load import Project

EXAMPLES = Path(__file__).parents[3] / "examples"
USER, PASSWORD = "me", "index-pw-4711"
WHEEL = "semverlite-1.2.3-py3-none-any.whl"
SDIST = "semverlite-1.2.3.tar.gz"
METADATA = """\
Metadata-Version: 2.4
Name: semverlite
Version: 1.2.3
Summary: Parse, compare and bump semantic versions.
Keywords: semver,versions
Classifier: Programming Language :: Python :: 3
Classifier: Typing :: Typed
Project-URL: Source, https://example.invalid/semverlite
Requires-Python: >=3.10
Description-Content-Type: text/markdown

# semverlite
"""


def _library(index: str | None) -> Project:
    project = load_project(EXAMPLES / "library")
    publish = PublishConfig(index=index)
    return dataclasses.replace(project, config=project.config.model_copy(update={"publish": publish}))


def _ctx() -> PlanContext:
    return PlanContext(git=NO_GIT, today=dt.date(2026, 11, 22), host_platform="linux/amd64")


# ---------------------------------------------------------------- config and plan


@pytest.mark.parametrize(
    ("index", "index_url", "upload", "simple"),
    [
        ("pypi", None, PYPI_UPLOAD, PYPI_SIMPLE),
        ("http://127.0.0.1:8099/", None, "http://127.0.0.1:8099/", "http://127.0.0.1:8099/simple/"),
        ("http://127.0.0.1:8099", None, "http://127.0.0.1:8099", "http://127.0.0.1:8099/simple/"),
        (
            "https://idx.example/upload/",
            "https://idx.example/simple",
            "https://idx.example/upload/",
            "https://idx.example/simple/",
        ),
    ],
)
def test_the_index_gives_an_upload_url_and_a_simple_index(
    index: str, index_url: str | None, upload: str, simple: str
) -> None:
    config = PublishConfig(index=index, index_url=index_url)
    assert config.index is not None
    endpoints = index_endpoints(config.index, config.index_url)
    assert (endpoints.upload, endpoints.simple) == (upload, simple)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"index": "testpypi"}, "index must be 'pypi' or an http(s) upload URL, not 'testpypi'"),
        ({"index": "ftp://host/"}, "index must be 'pypi' or an http(s) upload URL"),
        ({"index": "pypi", "index_url": "pypi.org/simple"}, "index_url must be an http(s) URL"),
        ({"index_url": "https://pypi.org/simple/"}, "index_url is set but index is not"),
        ({"indexes": "pypi"}, "indexes"),
    ],
)
def test_a_bad_index_setting_is_an_error_naming_the_key(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        PublishConfig.model_validate(values)


def test_publish_package_is_planned_only_with_an_index_after_every_gate_of_the_full_tier() -> None:
    assert "publish-package" not in build_plan(_library(None), _ctx(), tier="full").ids
    plan = build_plan(_library("pypi"), _ctx(), tier="full")
    stage = plan.get("publish-package")
    assert set(stage.needs) == set(plan.ids) - {"publish", "publish-package"}
    assert {"lint", "test-3.10", "package", "package-smoke-3.13", "scan-source"} <= set(stage.needs)
    assert isinstance(stage.action, IndexPublishStep)
    assert (stage.action.upload_url, stage.action.simple_url) == (PYPI_UPLOAD, PYPI_SIMPLE)
    assert not stage.cacheable
    assert stage.group == "publish"


def test_naming_publish_package_plans_the_full_tier_but_not_the_image_publish() -> None:
    plan = build_plan(_library("pypi"), _ctx(), names=("publish-package",))
    assert "publish" not in plan.ids
    assert plan.ids[-1] == "publish-package"
    assert {"test-3.10", "test-3.13", "scan-history"} <= set(plan.get("publish-package").needs)


def test_without_an_index_a_named_publish_package_says_why_it_does_not_apply() -> None:
    stage = build_plan(_library(None), _ctx(), names=("publish-package",)).get("publish-package")
    assert stage.not_applicable == "no [tool.shipyard.publish] index to upload to"


# ---------------------------------------------------------------- the simple index


def test_a_pep_691_page_lists_its_files_and_only_that_version_counts() -> None:
    page: dict[str, object] = {
        "meta": {"api-version": "1.1"},
        "name": "semverlite",
        "files": [
            {"filename": f, "url": f"../../{f}", "hashes": {}} for f in (WHEEL, "semverlite-1.2.0.tar.gz")
        ],
    }
    listed = listed_files(json.dumps(page).encode(), f"{JSON_TYPE}; charset=utf-8", source="test")
    assert listed == (WHEEL, "semverlite-1.2.0.tar.gz")
    assert files_of_version(listed, "semverlite", "1.2.3") == (WHEEL,)
    assert files_of_version(listed, "semverlite", "1.2.3.0") == (WHEEL,)  # PEP 440: the same version
    assert files_of_version(listed, "semverlite", "1.2.4") == ()
    assert files_of_version(listed, "other", "1.2.3") == ()


def test_a_pep_503_page_lists_its_anchors_by_file_name() -> None:
    html = (
        "<!DOCTYPE html><html><body><h1>Links for semverlite</h1>\n"
        f'<a href="/packages/{SDIST}#sha256=00">{SDIST}</a><br>\n'
        '<a href="https://files.example/x/semverlite-1.0.0-py3-none-any.whl">w</a>\n'
        "</body></html>"
    )
    listed = listed_files(html.encode(), "text/html", source="test")
    assert listed == (SDIST, "semverlite-1.0.0-py3-none-any.whl")
    assert files_of_version(listed, "SemverLite", "1.2.3") == (SDIST,)


# ---------------------------------------------------------------- the upload form


def _dist(folder: Path, *, sums: bool = True) -> Path:
    dist = folder / "dist"
    dist.mkdir()
    with zipfile.ZipFile(dist / WHEEL, "w") as wheel:
        wheel.writestr("semverlite/__init__.py", "")
        wheel.writestr("semverlite-1.2.3.dist-info/METADATA", METADATA)
        wheel.writestr("semverlite-1.2.3.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    with tarfile.open(dist / SDIST, "w:gz") as sdist:
        data = METADATA.encode()
        member = tarfile.TarInfo("semverlite-1.2.3/PKG-INFO")
        member.size = len(data)
        sdist.addfile(member, io.BytesIO(data))
    if sums:
        text = "".join(
            f"{hashlib.sha256((dist / n).read_bytes()).hexdigest()}  {n}\n" for n in (WHEEL, SDIST)
        )
        (dist / "SHA256SUMS").write_text(text, encoding="utf-8")
    (dist / "stamp.json").write_text("{}", encoding="utf-8")
    return dist


def test_the_form_carries_the_core_metadata_as_the_upload_api_names_it(tmp_path: Path) -> None:
    dist = _dist(tmp_path)
    wheel = read_distribution(dist / WHEEL)
    fields = list(wheel.fields)
    assert fields[:2] == [(":action", "file_upload"), ("protocol_version", "1")]
    assert ("name", "semverlite") in fields
    assert ("version", "1.2.3") in fields
    assert ("metadata_version", "2.4") in fields
    assert ("keywords", "semver, versions") in fields
    assert [v for k, v in fields if k == "classifiers"] == [
        "Programming Language :: Python :: 3",
        "Typing :: Typed",
    ]
    assert ("project_urls", "Source, https://example.invalid/semverlite") in fields
    assert ("requires_python", ">=3.10") in fields
    assert ("description", "# semverlite\n") in fields
    assert ("filetype", "bdist_wheel") in fields
    assert ("pyversion", "py3") in fields
    assert ("sha256_digest", hashlib.sha256((dist / WHEEL).read_bytes()).hexdigest()) in fields
    sdist = dict(read_distribution(dist / SDIST).fields)
    assert (sdist["filetype"], sdist["pyversion"]) == ("sdist", "source")


# ---------------------------------------------------------------- the upload, over HTTP


class FakeIndex(BaseHTTPRequestHandler):
    """A legacy upload endpoint at / and a PEP 691 simple index at /simple/; refusals on cue."""

    listed: ClassVar[list[str]] = []
    uploads: ClassVar[list[dict[str, str]]] = []
    refuse: ClassVar[dict[str, tuple[int, str]]] = {}
    """File name → the status and reason its upload gets."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet."""

    def _send(
        self, status: int, body: bytes = b"", content_type: str = "text/plain", reason: str | None = None
    ) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != "/simple/semverlite/":
            self._send(404)
        elif not self.listed:
            self.send_response(303, "See Other")  # pypiserver sends an unknown project to its fallback
            self.send_header("Location", "https://pypi.org/simple/semverlite/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            page: dict[str, object] = {
                "meta": {"api-version": "1.0"},
                "name": "semverlite",
                "files": [{"filename": f} for f in self.listed],
            }
            self._send(200, json.dumps(page).encode(), JSON_TYPE)

    def do_POST(self) -> None:
        good = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != good:
            self._send(
                403,
                b"<html><body><h1>403 Forbidden</h1>Invalid or non-existent authentication.</body></html>",
                "text/html",
                "Forbidden",
            )
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        form: dict[str, str] = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            if name == "content":
                form["content_sha256"] = hashlib.sha256(payload).hexdigest()
                form["content_filename"] = str(part.get_filename())
            else:
                form.setdefault(name, payload.decode())
        status, reason = self.refuse.get(form["content_filename"], (200, "OK"))
        if status == 200:
            self.uploads.append(form)
        self._send(status, reason.encode(), reason=reason)


@pytest.fixture
def index() -> Iterator[str]:
    FakeIndex.listed, FakeIndex.uploads, FakeIndex.refuse = [], [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _publish(
    url: str, tmp_path: Path, *, secrets: dict[str, str] | None = None, dist: Path | None = None
) -> tuple[Status, str, Path]:
    project = _library(url)
    stage = publish_package_stage(project, ())
    assert isinstance(stage.action, IndexPublishStep)
    out = tmp_path / "out"
    out.mkdir()
    lines: list[str] = []
    context = StepContext(
        root=project.root,
        files=(),
        out_dir=out,
        secrets={"SHIPYARD_INDEX_USERNAME": USER, "SHIPYARD_INDEX_PASSWORD": PASSWORD}
        if secrets is None
        else secrets,
        log=lines.append,
    )
    outcome = run_index_publish(stage, stage.action, context, dist or _dist(tmp_path), timeout=5)
    result = EvaluateIndexPublish()(outcome)
    assert all(PASSWORD not in line for line in lines)
    return result.status, result.summary, out


def test_both_files_are_uploaded_with_auth_their_digest_and_content(index: str, tmp_path: Path) -> None:
    status, summary, out = _publish(index, tmp_path)
    assert status is Status.PASSED, summary
    assert summary == f"uploaded {WHEEL}, {SDIST} to {index}"
    assert [u["content_filename"] for u in FakeIndex.uploads] == [WHEEL, SDIST]
    for upload in FakeIndex.uploads:
        assert upload[":action"] == "file_upload"
        assert upload["protocol_version"] == "1"
        assert upload["sha256_digest"] == upload["content_sha256"]
        assert (upload["name"], upload["version"]) == ("semverlite", "1.2.3")
    report = json.loads((out / "index-publish.json").read_text())
    assert report["uploaded"] == [WHEEL, SDIST]
    assert report["complete"] is True


def test_a_second_file_refused_says_the_release_is_incomplete_and_what_landed(
    index: str, tmp_path: Path
) -> None:
    FakeIndex.refuse = {SDIST: (400, "Invalid value for requires_python")}
    status, summary, out = _publish(index, tmp_path)
    assert status is Status.ERROR
    assert summary.startswith(
        f"the release semverlite 1.2.3 is incomplete on {index}: {WHEEL} landed, {SDIST} did not:"
    )
    assert "400 Invalid value for requires_python" in summary
    assert "(fix: upload the rest by hand" in summary
    report = json.loads((out / "index-publish.json").read_text())
    assert (report["uploaded"], report["complete"]) == ([WHEEL], False)


def test_a_version_the_index_lists_is_refused_before_any_upload(index: str, tmp_path: Path) -> None:
    FakeIndex.listed = [SDIST]
    status, summary, _ = _publish(index, tmp_path)
    assert status is Status.ERROR
    assert summary == (
        f"semverlite 1.2.3 is already on {index}simple/ ({SDIST}) "
        "(fix: bump the version in pyproject.toml (and tag it) and publish the new version)"
    )
    assert FakeIndex.uploads == []


def test_a_refused_password_names_the_variables_and_never_the_value(index: str, tmp_path: Path) -> None:
    secrets = {"SHIPYARD_INDEX_PASSWORD": PASSWORD + "-wrong"}
    status, summary, _ = _publish(index, tmp_path, secrets=secrets)
    assert status is Status.ERROR
    assert f"the index {index} refused the credentials of __token__ for {WHEEL}: 403 Forbidden" in summary
    assert "SHIPYARD_INDEX_USERNAME and SHIPYARD_INDEX_PASSWORD" in summary
    assert PASSWORD not in summary


@pytest.mark.parametrize(
    ("secrets", "sums", "message"),
    [
        (
            {},
            True,
            "publishing to a package index needs SHIPYARD_INDEX_PASSWORD set in shipyard's environment",
        ),
        (None, False, "has no SHA256SUMS (fix: re-run the package stage"),
    ],
)
def test_preflight_refuses_without_a_request(
    index: str, tmp_path: Path, secrets: dict[str, str] | None, *, sums: bool, message: str
) -> None:
    status, summary, _ = _publish(index, tmp_path, secrets=secrets, dist=_dist(tmp_path, sums=sums))
    assert status is Status.ERROR
    assert message in summary
    assert FakeIndex.uploads == []


def test_a_dist_changed_after_the_package_stage_is_refused(index: str, tmp_path: Path) -> None:
    dist = _dist(tmp_path)
    with zipfile.ZipFile(dist / WHEEL, "a") as wheel:
        wheel.writestr("semverlite/extra.py", "")
    status, summary, _ = _publish(index, tmp_path, dist=dist)
    assert status is Status.ERROR
    assert f"SHA256SUMS does not match the distributions ({WHEEL})" in summary
    assert FakeIndex.uploads == []


def test_an_index_that_is_down_is_one_line_naming_the_cause(tmp_path: Path) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), FakeIndex) as closed:
        port = closed.server_address[1]
    status, summary, _ = _publish(f"http://127.0.0.1:{port}/", tmp_path)
    assert status is Status.ERROR
    assert summary.startswith(f"the index http://127.0.0.1:{port}/simple/ is unreachable: ")
    assert "Connection refused" in summary
