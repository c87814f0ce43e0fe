"""The container files (Dockerfile, compose.yaml, deploy/) kept honest without a container engine.

No container engine runs where the tests do, so these tests read the files and run what they
would run: the Procfile's processes through bin/procfile-run, the image's health check against
that web process, and the image's collectstatic with its own stand-in settings.
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.test import Client
from honcho.environ import parse_procfile

from tests.production.test_processes import GunicornConfig

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The virtual environment's programs (python, gunicorn): what the image puts first on PATH.
VENV_BIN = Path(sys.executable).parent
PROCFILE_RUN = PROJECT_DIR / "bin" / "procfile-run"
HEALTHCHECK = PROJECT_DIR / "bin" / "healthcheck"


def procfile() -> dict[str, str]:
    return parse_procfile((PROJECT_DIR / "Procfile").read_text()).processes


# The Dockerfile ---------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """Its instructions as (INSTRUCTION, arguments), with continued lines joined."""
    text = re.sub(r"\\\n\s*", " ", (PROJECT_DIR / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def runtime_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage, the image that runs."""
    instructions = dockerfile()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def runtime_instruction(keyword: str) -> str:
    """The arguments of the runtime stage's one instruction of this kind."""
    [arguments] = [arguments for each, arguments in runtime_stage() if each == keyword]
    return arguments


def assignments(words: list[str]) -> dict[str, str]:
    return dict(word.split("=", 1) for word in words)


def image_env() -> dict[str, str]:
    env = {}
    for keyword, arguments in runtime_stage():
        if keyword == "ENV":
            env.update(assignments(shlex.split(arguments)))
    return env


def workdir() -> str:
    return runtime_instruction("WORKDIR")


def in_project(image_path: str) -> Path:
    """Where a path in the image's code folder is in this checkout."""
    prefix = workdir().rstrip("/") + "/"
    assert image_path.startswith(prefix), f"{image_path} is not in the image's {prefix}"
    return PROJECT_DIR / image_path.removeprefix(prefix)


def run_steps() -> list[tuple[dict[str, str], list[str]]]:
    """Each command of each RUN, as (its VAR=value prefixes, its words)."""
    steps = []
    for keyword, arguments in dockerfile():
        if keyword != "RUN":
            continue
        arguments = re.sub(r"^(--\S+\s+)+", "", arguments)  # --mount=... and such
        for step in arguments.split("&&"):
            words = shlex.split(step)
            prefixes = []
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                prefixes.append(words.pop(0))
            steps.append((assignments(prefixes), words))
    return steps


def exec_form(arguments: str) -> list[str]:
    words = json.loads(arguments)
    assert isinstance(words, list), f"not the exec form: {arguments}"
    return words


def assert_a_project_script(path: Path):
    assert path.is_file(), f"no {path.relative_to(PROJECT_DIR)}"
    assert os.access(path, os.X_OK), f"{path.relative_to(PROJECT_DIR)} is not executable"


# What a RUN may do besides the project's own commands: the operating system's packages and
# user, the virtual environment, and folders for what the site writes.
SYSTEM_PROGRAMS = {"apt-get", "rm", "useradd", "install"}


def test_every_run_step_is_a_system_step_the_projects_install_or_an_existing_command():
    commands = get_commands()
    for _, (program, *args) in run_steps():
        if program in SYSTEM_PROGRAMS:
            continue
        if program.endswith("/pip"):
            # Editable, as the Makefile installs it: the settings find templates beside site/.
            assert args == ["install", "-e", "."], args
        elif program == "python" and args[:2] == ["-m", "venv"]:
            continue
        elif program == "python":
            assert args[0] == "manage.py", args
            assert args[1] in commands, f"no command manage.py {args[1]}"
        elif program.startswith(("bin/", "/")):
            assert_a_project_script(
                in_project(program) if program.startswith("/") else PROJECT_DIR / program
            )
        else:
            pytest.fail(f"a RUN step no test runs: {program} {args}; make it a script in bin/")


def test_the_image_runs_as_a_user_of_its_own_and_a_procfile_process_by_name():
    assert runtime_instruction("USER") not in {"root", "0"}
    runner, process = exec_form(runtime_instruction("CMD"))
    assert_a_project_script(in_project(runner))
    assert in_project(runner) == PROCFILE_RUN
    assert process in procfile()
    assert not [keyword for keyword, _ in runtime_stage() if keyword == "ENTRYPOINT"]
    assert image_env()["DJANGO_SETTINGS_MODULE"] == "coachhouse.settings.production"
    assert image_env()["PATH"].startswith("/opt/venv/bin:")


def test_the_image_checks_the_health_of_the_port_gunicorn_listens_on(monkeypatch):
    options, _, command = runtime_instruction("HEALTHCHECK").partition(" CMD ")
    assert in_project(exec_form(command)[0]) == HEALTHCHECK
    expose = runtime_instruction("EXPOSE")
    monkeypatch.delenv("PORT", raising=False)
    assert "--start-period=" in options
    assert gunicorn_bind() == f"0.0.0.0:{expose}"


def gunicorn_bind() -> str:
    [bind] = GunicornConfig().cfg.bind
    return bind


def test_the_images_collectstatic_works_with_the_production_settings_and_its_stand_ins(tmp_path):
    [(stand_ins, command)] = [
        (env, words) for env, words in run_steps() if words[1:3] == ["manage.py", "collectstatic"]
    ]
    # The image's settings, with only STATIC_ROOT moved out of this checkout.
    (tmp_path / "image_settings.py").write_text(
        f"from {image_env()['DJANGO_SETTINGS_MODULE']} import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(tmp_path / 'static')!r}\n"
    )
    # A clean environment, as a build has: nothing from this machine's settings.
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "image_settings",
        **stand_ins,
    }

    result = subprocess.run(  # noqa: S603 - the Dockerfile's own command, in our venv
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert "wagtailadmin/css/core.css" in manifest
    assert "coachhouse/css/site.css" in manifest


def test_the_build_leaves_out_secrets_and_this_machines_environment():
    ignored = set((PROJECT_DIR / ".dockerignore").read_text().splitlines())
    assert {".env", ".venv", ".git", "db.sqlite3*", "media"} <= ignored


# bin/procfile-run and bin/healthcheck ----------------------------------------------------------


def test_procfile_run_refuses_a_process_the_procfile_lacks_and_names_those_it_has(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own script
        [PROCFILE_RUN, "webb"], cwd=tmp_path, capture_output=True, text=True, timeout=10
    )

    assert result.returncode == 2
    assert "no process 'webb'" in result.stderr
    assert " ".join(procfile()) in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthcheck(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [HEALTHCHECK], env={**os.environ, "PORT": str(port)}, capture_output=True, text=True
    )


def stop_group(process: subprocess.Popen):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_web(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    """`bin/procfile-run web` with the production settings, as the image runs it, on a free port
    (another one if some other process takes the port first)."""
    for attempt in range(3):
        port = free_port()
        # /healthz touches neither the database nor the cache.
        env = {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            "DJANGO_SETTINGS_MODULE": "coachhouse.settings.production",
            "SECRET_KEY": "stand-in-for-the-container-test-only-0123456789abcdefghijklmnop",
            "ALLOWED_HOSTS": "coach.example",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
        }
        log = tmp_path / f"web-{attempt}.log"
        with log.open("w") as output:
            # A process group of its own, so a failed test stops gunicorn's workers too.
            web = subprocess.Popen(  # noqa: S603 - our own script
                [PROCFILE_RUN, "web"],
                cwd=tmp_path,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while f"Listening at: http://0.0.0.0:{port}" not in (text := log.read_text()):
            if "Address already in use" in text:
                break
            if web.poll() is not None or time.monotonic() > deadline:
                stop_group(web)
                pytest.fail(f"web did not start:\n{text}")
            time.sleep(0.1)
        else:
            return web, port
        stop_group(web)
    pytest.fail("three free ports were taken before gunicorn could listen on them")


def test_procfile_run_serves_web_in_its_own_place_where_the_health_check_finds_it(tmp_path):
    web, port = start_web(tmp_path)
    try:
        deadline = time.monotonic() + 30
        while (answer := healthcheck(port)).returncode != 0:
            assert web.poll() is None, "web exited"
            assert time.monotonic() < deadline, answer.stderr
            time.sleep(0.2)
        # bash ran the Procfile's line in its own place: a container's stop signal reaches
        # gunicorn itself.
        cmdline = Path(f"/proc/{web.pid}/cmdline").read_bytes().split(b"\0")
        assert any(word.endswith(b"gunicorn") for word in cmdline), cmdline
        web.send_signal(signal.SIGTERM)
        assert web.wait(timeout=30) == 0
    finally:
        stop_group(web)

    stopped = healthcheck(port)
    assert stopped.returncode == 1
    assert f"http://127.0.0.1:{port}/healthz" in stopped.stderr


# compose.yaml -----------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((PROJECT_DIR / "compose.yaml").read_text())


def app_services() -> dict[str, dict]:
    """The services that run the site's image, built from the Dockerfile."""
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def test_compose_runs_each_procfile_process_as_a_service_of_the_same_name():
    services = app_services()

    assert set(services) == set(procfile())
    for name, service in services.items():
        runner, process = service["command"]
        assert in_project(runner) == PROCFILE_RUN
        assert process == name
        assert service["build"] == "."
    assert {"postgres", "redis", "caddy"} <= set(compose()["services"])


def test_compose_starts_the_processes_after_a_release_that_passed_on_a_healthy_database():
    services = compose()["services"]
    for name in set(app_services()) - {"release"}:
        assert services[name]["depends_on"]["release"] == {
            "condition": "service_completed_successfully"
        }
    assert services["release"]["restart"] == "no"
    assert services["release"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    # A service waited on until healthy must have a health check.
    for service in services.values():
        for other, wait in service.get("depends_on", {}).items():
            if wait["condition"] == "service_healthy":
                assert "test" in services[other]["healthcheck"], other


def test_compose_gives_web_longer_to_stop_than_gunicorn_gives_its_requests():
    grace = compose()["services"]["web"]["stop_grace_period"]

    assert re.fullmatch(r"\d+s", grace)
    assert int(grace.removesuffix("s")) > GunicornConfig().cfg.graceful_timeout


def test_compose_checks_only_webs_health_with_the_images_own_check():
    image_check = exec_form(runtime_instruction("HEALTHCHECK").partition(" CMD ")[2])
    for name, service in app_services().items():
        if name == "web":
            assert service["healthcheck"]["test"] == ["CMD", *image_check]
        else:
            assert service["healthcheck"] == {"disable": True}, name


def test_compose_declares_every_volume_its_services_mount():
    declared = set(compose()["volumes"])
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PROJECT_DIR / source).is_file(), f"{name}: no {source}"
            else:
                assert source in declared, f"{name}: undeclared volume {source}"


# deploy/Caddyfile ----------------------------------------------------------------------------


def caddyfile() -> str:
    return (PROJECT_DIR / "deploy" / "Caddyfile").read_text()


@pytest.mark.django_db
def test_caddy_proxies_to_webs_port_and_checks_a_health_path_the_site_answers():
    web = compose()["services"]["web"]
    upstream = re.search(r"reverse_proxy (\S+) \{", caddyfile()).group(1)
    health_uri = re.search(r"health_uri (\S+)", caddyfile()).group(1)

    assert upstream == f"web:{web['environment']['PORT']}"
    response = Client().get(health_uri)
    assert response.status_code == 200
    assert "{$DOMAIN}" in caddyfile()
    assert "DOMAIN" in compose()["services"]["caddy"]["environment"]


def test_caddy_serves_renditions_from_the_volume_web_keeps_uploads_in():
    caddy = compose()["services"]["caddy"]
    web_volumes = dict(volume.split(":")[:2] for volume in compose()["services"]["web"]["volumes"])
    caddy_mounts = {volume.split(":")[1]: volume for volume in caddy["volumes"]}
    root = re.search(r"root \* (\S+)", caddyfile()).group(1)
    served = re.search(r"handle (/media/images/)\*", caddyfile()).group(1)

    # web's MEDIA_ROOT (media/ in the image's code folder) is the volume Caddy reads, read-only.
    media_mount = caddy_mounts[f"{root}/media"]
    assert media_mount.endswith(":ro")
    assert web_volumes[media_mount.split(":")[0]] == f"{workdir()}/media"
    assert served == "/media/images/"
    assert "/media/documents" not in caddyfile()


# deploy/env.example --------------------------------------------------------------------------

PROJECT_CODE = ["site", "accounts", "course", "lessons", "coaching", "reports"]


def project_python_files() -> list[Path]:
    files = [PROJECT_DIR / "manage.py", PROJECT_DIR / "gunicorn.conf.py"]
    for folder in PROJECT_CODE:
        files += (PROJECT_DIR / folder).rglob("*.py")
    return files


def names_read(pattern: str, files: list[Path]) -> set[str]:
    return {name for path in files for name in re.findall(pattern, path.read_text())}


ENV_CALL = r"env_(?:str|bool|list|int)\(\s*\"([A-Z][A-Z0-9_]*)\""
OS_ENVIRON = r"os\.(?:environ(?:\.get|\.setdefault)?|getenv)[\[(]\s*[\"']([A-Z][A-Z0-9_]*)[\"']"


def settings_variables() -> set[str]:
    """What configures a deployed site: every env_* read, gunicorn's, and the settings module."""
    return (
        names_read(ENV_CALL, project_python_files())
        | names_read(OS_ENVIRON, [PROJECT_DIR / "gunicorn.conf.py"])
        | {"DJANGO_SETTINGS_MODULE"}
    )


def env_example() -> list[tuple[str, bool, str]]:
    """Each variable as (name, set: not commented out, the comment line above it)."""
    lines = (PROJECT_DIR / "deploy" / "env.example").read_text().splitlines()
    variables = []
    for above, line in zip(["", *lines], lines, strict=False):
        if match := re.fullmatch(r"(# )?([A-Z][A-Z0-9_]*)=.*", line):
            variables.append((match.group(2), not match.group(1), above))
    return variables


def compose_interpolations() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (PROJECT_DIR / "compose.yaml").read_text()))


def test_env_example_names_every_variable_the_settings_read():
    named = {name for name, _, _ in env_example()}

    assert settings_variables() - named == set()


def test_env_example_names_only_variables_something_reads_each_once_with_a_comment():
    names = [name for name, _, _ in env_example()]
    read = names_read(ENV_CALL, project_python_files()) | names_read(
        OS_ENVIRON, project_python_files()
    )

    assert len(names) == len(set(names))
    assert set(names) - read - compose_interpolations() == set()
    for name, _, comment in env_example():
        assert comment.startswith("# ") and not re.match(r"# [A-Z][A-Z0-9_]*=", comment), name
        assert re.match(r"# (Required|Optional|Not for a server)", comment), name


def test_everything_compose_requires_is_set_in_env_example():
    set_in_example = {name for name, is_set, _ in env_example() if is_set}

    assert compose_interpolations() - set_in_example == set()


# README.md ------------------------------------------------------------------------------------


def test_the_readmes_table_of_environment_variables_names_every_one():
    readme = (PROJECT_DIR / "README.md").read_text()
    first_cells = re.findall(r"^\| ([^|]+) \|", readme, flags=re.MULTILINE)
    in_tables = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}

    assert settings_variables() - in_tables == set()
