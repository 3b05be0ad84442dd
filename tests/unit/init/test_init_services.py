"""`shipyard init` on projects whose tests need a database: `services` and `env`, or a note, never a guess."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.init.compose_scan import read_compose
from shipyard.init.env_reads import env_reads_of_tests
from shipyard.init.facts import SKIPPED_DIRS
from shipyard.init.service_needs import service_needs

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    Init = tuple[int, str, str]
    Table = Callable[[Path], dict[str, Any]]
    Write = Callable[[dict[str, str]], Path]

UV_LOCK = 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n'
PYPROJECT = (
    '[project]\nname = "tally"\nversion = "0.3.0"\nrequires-python = ">=3.11"\n\n'
    '[dependency-groups]\ndev = ["pytest>=8"]\n\n'
    '[tool.pytest.ini_options]\nmarkers = ["integration: needs PostgreSQL at DATABASE_URL"]\n'
)
POSTGRES = (
    "# the tests' database\nservices:\n  db:\n    image: postgres:15-bookworm\n    environment:\n"
    "      POSTGRES_USER: tally\n      POSTGRES_PASSWORD: {}\n      POSTGRES_DB: tally\n"
    '    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -U tally"]\n'
)
READS_DATABASE_URL = (
    "import os\n\nimport pytest\n\npytestmark = pytest.mark.integration\n\n\n"
    "def test_it():\n    assert os.environ['DATABASE_URL']\n"
)


def _project(write_project: Write, files: dict[str, str]) -> Path:
    return write_project(
        {"pyproject.toml": PYPROJECT, "uv.lock": UV_LOCK, "src/tally/__init__.py": "", **files}
    )


def test_tests_reading_database_url_get_the_postgres_service_and_its_url_not_a_marker(
    write_project: Write, init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = _project(
        write_project,
        {"compose.yaml": POSTGRES.format("tally"), "tests/test_counters.py": READS_DATABASE_URL},
    )
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    assert shipyard_table(root) == {
        "test": {"services": ["db"], "env": {"DATABASE_URL": "postgresql://tally:tally@db:5432/tally"}}
    }
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert "# tests read DATABASE_URL; compose.yaml's db is PostgreSQL: started healthy before them" in text
    assert "note:" not in out


def test_a_redis_read_through_getenv_gets_the_redis_service_of_a_list_form_environment(
    write_project: Write, init: Callable[..., Init], shipyard_table: Table
) -> None:
    compose = (
        "services:\n  app:\n    build: .\n    environment:\n      - REDIS_URL=redis://cache:6379/0\n"
        "  cache:\n    image: docker.io/library/redis:7-alpine@sha256:abc\n    environment:\n"
        "      - ALLOW_EMPTY_PASSWORD=yes\n"
    )
    conftest = "from os import getenv\n\nimport pytest\n\n\n@pytest.fixture\ndef url():\n"
    conftest += "    return getenv('REDIS_URL', 'redis://localhost')\n"
    root = _project(write_project, {"compose.yaml": compose, "tests/conftest.py": conftest})
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    table = shipyard_table(root)
    assert table["test"] == {"services": ["cache"], "env": {"REDIS_URL": "redis://cache:6379/0"}}


def test_tests_that_read_no_variable_get_no_services_and_keep_their_marker(
    write_project: Write, init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = _project(
        write_project,
        {"compose.yaml": POSTGRES.format("tally"), "tests/test_it.py": "def test_it():\n    pass\n"},
    )
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    assert shipyard_table(root) == {"test": {"markers": "not integration"}}


def test_a_password_from_an_interpolation_is_a_note_not_a_guess(
    write_project: Write, init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = _project(
        write_project,
        {
            "compose.yaml": POSTGRES.format("${DB_PASSWORD}"),
            "tests/test_counters.py": READS_DATABASE_URL,
        },
    )
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    assert shipyard_table(root) == {"test": {"services": ["db"]}}
    assert (
        "note: tests read DATABASE_URL and compose.yaml's db is PostgreSQL, but its POSTGRES_PASSWORD "
        "comes from ${DB_PASSWORD}: init does not guess a credential; set [tool.shipyard.test] env = "
        '{ DATABASE_URL = "postgresql://<user>:<password>@db:5432/<database>" } by hand'
    ) in out


def test_a_secret_in_dot_env_never_reaches_pyproject(
    write_project: Write, init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = _project(
        write_project,
        {
            "compose.yaml": POSTGRES.format("${DB_PASSWORD:-dev}"),
            ".env": "DB_PASSWORD=s3cret-from-dotenv\n",
            "tests/test_counters.py": READS_DATABASE_URL,
        },
    )
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    assert shipyard_table(root) == {"test": {"services": ["db"]}}
    assert "s3cret" not in (root / "pyproject.toml").read_text(encoding="utf-8") + out
    assert "its POSTGRES_PASSWORD comes from ${DB_PASSWORD:-dev}" in out


def test_a_password_only_in_an_env_file_is_named_in_the_note(
    write_project: Write, init: Callable[..., Init]
) -> None:
    compose = "services:\n  db:\n    image: postgis/postgis:16-3.4\n    env_file:\n      - db.env\n"
    root = _project(write_project, {"compose.yaml": compose, "tests/test_counters.py": READS_DATABASE_URL})
    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    assert "its POSTGRES_PASSWORD is only in its env_file db.env" in out


def test_reads_the_tests_set_themselves_are_not_reads(tmp_path: Path) -> None:
    files = {
        "tests/test_a.py": (
            "import os\n\ndef test_a(monkeypatch):\n    monkeypatch.setenv('TOKEN', 'x')\n"
            "    assert os.environ['TOKEN'] and os.getenv('HOME_DIR') and os.environ.get('MYSQL_URL')\n"
        ),
        "tests/test_b.py": "import os\n\ndef test_b():\n    assert os.environ['TOKEN']\n",
        "tests/unit/test_c.py": "from os import environ\n\nPG = environ['PGHOST']\nS = environ['SEEDED']\n",
        "tests/conftest.py": "import os\n\nos.environ.setdefault('SEEDED', '1')\n",
        "src/app/config.py": "import os\n\nAPP = os.environ['NOT_A_TEST_READ']\n",
        "tests/broken.py": "def (:\n",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    assert env_reads_of_tests(tmp_path, "tests", SKIPPED_DIRS) == ("HOME_DIR", "MYSQL_URL", "PGHOST", "TOKEN")


def test_each_kind_gives_the_part_a_variable_holds(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  sql:\n    image: mariadb:11\n"
        "    environment: {MARIADB_ROOT_PASSWORD: r00t, MYSQL_DATABASE: shop}\n"
        "  pg:\n    image: postgres:16\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n"
        "  mongo:\n    image: mongo:7\n",
        encoding="utf-8",
    )
    stack = read_compose(tmp_path, "compose.yaml")
    reads = ("MONGODB_URI", "MYSQL_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "POSTGRES_URL", "UNKNOWN")
    assert {n.variable: (n.service, n.value) for n in service_needs(reads, stack)} == {
        "MONGODB_URI": ("mongo", "mongodb://mongo:27017"),
        "MYSQL_URL": ("sql", "mysql://root:r00t@sql:3306/shop"),
        "PGDATABASE": ("pg", "postgres"),
        "PGHOST": ("pg", "pg"),
        "PGPASSWORD": ("pg", ""),
        "POSTGRES_URL": ("pg", "postgresql://postgres@pg:5432/postgres"),
    }
