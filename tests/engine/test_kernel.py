"""The kernel-side programs (helpers.engine.kernel) run as code: the read recorder and the zygote's wire protocol."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.core.paths import ROOT
from helpers.engine.kernel import SITE_FILES, zygote_client, zygote_server

SRC = ROOT / "src"


@pytest.mark.parametrize("site_name", sorted(SITE_FILES))
def test_kernel_programs_import_nothing_from_helpers(site_name):
    tree = ast.parse(SITE_FILES[site_name].read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [name for name in imported if name.split(".")[0] == "helpers"]


def _run_with_recorder(tmp_path: Path, code: str) -> list[tuple[str, str]]:
    """Run *code* in a fresh Python whose sitecustomize is the recorder; return the log's lines."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_bytes(SITE_FILES["sitecustomize.py"].read_bytes())
    log = tmp_path / "reads.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(SRC)]), "HELPERS_BOOK_READ_LOG": str(log),
           "HELPERS_BOOK_DATA_ROOTS": str(tmp_path / "data"),
           "HELPERS_BOOK_PACKAGE_DIRS": str(tmp_path / "pkg")}
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=tmp_path, check=True)
    return [tuple(line.split("\t", 1)) for line in log.read_text(encoding="utf-8").splitlines()]


def test_the_recorder_skips_checksum_only_reads_and_records_the_others(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("read.csv", "hashed.csv", "marked.csv", "written.csv"):
        (data / name).write_text("x\n1\n")
    (tmp_path / "outside.csv").write_text("x\n1\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "watched_module.py").write_text("VALUE = 1\n")
    lines = _run_with_recorder(tmp_path, f"""
        import sys
        from pathlib import Path
        from helpers.core.hashing import checksum_only, sha256_of
        Path({str(data / 'read.csv')!r}).read_text()          # an input: recorded
        sha256_of({str(data / 'hashed.csv')!r})                # checksum only: not recorded
        with checksum_only():
            open({str(data / 'marked.csv')!r}, 'rb').close()   # marked explicitly: not recorded
        open({str(data / 'written.csv')!r}, 'w').close()       # written, not read: not recorded
        Path({str(tmp_path / 'outside.csv')!r}).read_text()   # outside the data roots: not recorded
        sys.path.insert(0, {str(pkg)!r})
        import watched_module                                  # a watched package's module: recorded
        """)
    assert lines[0][0] == "start"
    files = [value for kind, value in lines if kind == "file"]
    modules = [value for kind, value in lines if kind == "module"]
    assert files == [str(data / "read.csv")]
    assert modules == [str(pkg / "watched_module.py")]


def test_the_recorder_does_nothing_without_a_log(tmp_path, monkeypatch):
    from helpers.engine.kernel import sitecustomize

    monkeypatch.delenv("HELPERS_BOOK_READ_LOG", raising=False)
    assert sitecustomize.install_recorder() is False
    assert sitecustomize.reading_for_checksum_only() is False  # helpers.core.hashing loaded, outside the marker
    from helpers.core.hashing import checksum_only

    with checksum_only():
        assert sitecustomize.reading_for_checksum_only() is True


def test_the_zygote_server_reads_what_the_client_protocol_sends():
    server_end, client_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    payload = b'{"argv": ["-f", "kernel.json"], "env": {"A": "1"}, "cwd": "/tmp"}'
    read_fd, write_fd = os.pipe()
    try:
        socket.send_fds(client_end, [f"{len(payload):016d}".encode()], [read_fd, write_fd, write_fd])
        client_end.sendall(payload)
        request, fds = zygote_server.read_request(server_end)
        assert request == {"argv": ["-f", "kernel.json"], "env": {"A": "1"}, "cwd": "/tmp"}
        assert len(fds) == 3
        for fd in fds:
            os.close(fd)
    finally:
        for fd in (read_fd, write_fd):
            os.close(fd)
        server_end.close()
        client_end.close()


def test_a_kernel_killed_by_a_signal_exits_like_a_shell_reports_it():
    assert zygote_client.exit_status(0) == 0 and zygote_client.exit_status(3) == 3
    assert zygote_client.exit_status(-9) == 137 and zygote_client.exit_status(-15) == 143


def test_the_zygote_server_preloads_serves_and_exits_with_its_parent(tmp_path):
    sock = tmp_path / "s"
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import subprocess, sys, time
            child = subprocess.Popen([sys.executable, {str(SITE_FILES['book_zygote.py'])!r}, {str(sock)!r},
                                      "/nonexistent-site.py", "json,email"], stdout=subprocess.PIPE)
            print(child.pid, child.stdout.readline().decode().strip(), flush=True)
            """)], stdout=subprocess.PIPE, text=True)
    pid, word = parent.stdout.readline().split()
    parent.wait(30)
    parent.stdout.close()
    assert word == "ready" and sock.exists()
    for _ in range(100):  # the parent exited: the server follows within its 0.2 s poll
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(int(pid), 9)
        pytest.fail("the zygote server outlived its parent")
