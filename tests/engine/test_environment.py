"""environment.yml mirrors the pins of requirements.txt, and every direct dependency is pinned."""

from __future__ import annotations

import re

import yaml

from helpers.core.paths import ROOT


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_canon(name)] = version.strip()
    return pins


def test_environment_yml_agrees_with_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    locked = _locked()
    conda = [d for d in env["dependencies"] if isinstance(d, str) and "=" in d and not d.startswith("python=")]
    assert conda, "environment.yml pins no packages"
    for dep in conda:
        name, version = dep.split("=", 1)
        assert locked.get(_canon(name)) == version, f"{name}: environment.yml {version}, requirements.txt {locked.get(_canon(name))}"


def test_every_direct_dependency_is_locked_and_mirrored():
    direct = [_canon(line.strip()) for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    env_names = {_canon(d.split("=")[0]) for d in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
                 if isinstance(d, str)}
    locked = _locked()
    for name in direct:
        assert name in locked, f"{name} is not pinned in requirements.txt"
        assert name in env_names, f"{name} is missing from environment.yml"


def test_jupyter_book_is_the_sphinx_based_1x():
    assert _locked()["jupyter-book"].startswith("1.")
