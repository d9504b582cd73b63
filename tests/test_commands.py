"""`motcua hub` as a process, `motcua demo`, and the README's promises."""

import json
import re
import signal
import urllib.request

import pytest

from .conftest import PROJECT, wait_until
from .hub_process import start_hub


def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return json.loads(reply.read())
    except OSError:
        return None


def test_motcua_hub_serves_and_stops_cleanly(tmp_path, broker, center, make_node):
    config = tmp_path / "hub.toml"
    config.write_text(
        f'center = "{center}"\ndatabase = "{tmp_path / "hub.db"}"\n'
        f"[mqtt]\nport = {broker.port}\n",
        encoding="utf-8",
    )
    hub = start_hub(config)  # on port 0: the port it bound, from its READY
    port = hub.http_port
    try:
        health = wait_until(lambda: get_json(f"http://127.0.0.1:{port}/healthz"), timeout=20)
        wait_until(lambda: get_json(f"http://127.0.0.1:{port}/healthz")["broker"] == "connected")
        assert health["database"] == "ok"
        node = make_node("kiosk", "kiosk-1")
        wait_until(lambda: node.hub_online)
        assert node.ping()["ok"]
        hub.send_signal(signal.SIGTERM)
        assert hub.wait(15) == 0
        wait_until(lambda: not node.hub_online)  # the hub said offline as it left
    finally:
        if hub.poll() is None:
            hub.kill()


def test_readme_quick_start_is_the_two_commands():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (PROJECT / ".ci" / "run").read_text()
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)



def test_the_readme_names_exactly_the_debian_packages_make_demo_and_make_test_install():
    """Issue 22: a reader can install the packages before running anything."""
    script = (PROJECT / "provisioning" / "system-packages.sh").read_text()
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    variables = dict(re.findall(r'^(\w+)="([^"]*)"', script, re.M))

    def packages(role):
        line = re.search(rf"^\s*{role}\)\s*pkgs=\"([^\"]*)\"", script, re.M).group(1)
        words = []
        for word in line.split():
            words += variables[word[1:]].split() if word.startswith("$") else [word]
        if role == "dev":
            words += re.search(r'\[ "\$role" = dev \] && pkgs="\$pkgs ([^"]*)"',
                               script).group(1).split()
        return words

    for target, role in [("make demo", "demo"), ("make test", "dev")]:
        listed = re.search(rf"^- `{target}`: ([^\n]*(?:\n  [^\n]*)*)", readme, re.M).group(1)
        assert listed.split() == packages(role), target


def test_a_hub_that_ends_before_it_listens_is_reported_at_once(tmp_path, broker):
    """tests/hub_process.start_hub fails as soon as the hub has ended, naming its exit
    status, instead of waiting out its bound for a port that never comes."""
    import time

    from .hub_process import HubDidNotStart

    config = tmp_path / "hub.toml"
    config.write_text(f'center = "x"\ndatabase = "{tmp_path / "hub.db"}"\n'
                      f"[mqtt]\nport = {broker.port}\n[http]\nthreads = 0\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(HubDidNotStart, match="ended with [1-9]"):
        start_hub(config, timeout=120)
    assert time.monotonic() - started < 60
