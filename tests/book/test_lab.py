"""`make lab`: JupyterLab on the chapter folder runs a chapter top to bottom with the project's kernel.

The server is started headless on a free port exactly as ``python -m helpers lab``
starts it (:func:`helpers.engine.lab.lab_command`); a session is opened on a chapter
through the REST API (so its kernel starts in ``chapters/``, as a reader's does) and
every code cell is sent over the kernel's websocket. The chapter must run without an
error, find the default data (its banner names the example data) and import the
``helpers`` package of this checkout; the server is then shut down.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import subprocess
import time
import urllib.request
import uuid

import nbformat
import pytest

from helpers.core.paths import CHAPTERS_DIR, ROOT
from helpers.engine.lab import lab_command, lab_environment

#: A short chapter (about 10 s on the example data).
CHAPTER = "human_tbk1.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode() or "{}"
    return json.loads(text)


@pytest.fixture(scope="module")
def lab_server():
    port, token = _free_port(), secrets.token_hex(16)
    proc = subprocess.Popen(lab_command(port, browser=False, token=token), env=lab_environment(),
                            cwd=CHAPTERS_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while True:
        try:
            _api(base, token, "/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"JupyterLab did not start:\n{proc.stdout.read()[-3000:]}")
            time.sleep(0.5)
    try:
        yield base, token
    finally:
        try:
            _api(base, token, "/api/shutdown", method="POST")
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)


def _message(code: str, session: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "username": "test", "session": session,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}


async def _run_cells(url: str, cells: list[str], timeout: float = 120) -> list[dict]:
    """Execute *cells* one after another over the kernel websocket; return one record per cell."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(url)
    session = uuid.uuid4().hex
    records = []
    try:
        for code in cells:
            msg = _message(code, session)
            await ws.write_message(json.dumps(msg))
            record = {"status": None, "errors": [], "text": "", "count": None}
            idle = False  # the shell reply may overtake the cell's output on iopub: wait for both
            while record["status"] is None or not idle:
                raw = await asyncio.wait_for(ws.read_message(), timeout)
                if raw is None:
                    raise ConnectionError("the kernel websocket closed")
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
                    continue
                kind, content = reply["msg_type"], reply["content"]
                if kind == "error":
                    record["errors"].append(f"{content['ename']}: {content['evalue']}")
                elif kind == "stream":
                    record["text"] += content["text"]
                elif kind in ("display_data", "execute_result"):
                    record["text"] += content["data"].get("text/markdown", "") + content["data"].get("text/plain", "")
                elif kind == "status":
                    idle = idle or content.get("execution_state") == "idle"
                elif kind == "execute_reply":
                    record["status"], record["count"] = content["status"], content.get("execution_count")
            records.append(record)
    finally:
        ws.close()
    return records


@pytest.mark.slow
def test_a_chapter_runs_top_to_bottom_in_jupyterlab(lab_server):
    base, token = lab_server
    start = time.monotonic()
    session = _api(base, token, "/api/sessions", method="POST",
                   body={"path": CHAPTER, "type": "notebook", "name": CHAPTER, "kernel": {"name": "python3"}})
    kernel = session["kernel"]["id"]
    nb = nbformat.read(CHAPTERS_DIR / CHAPTER, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    probe = "import os, helpers; print('CWD', os.getcwd()); print('HELPERS', helpers.__file__)"
    url = f"{base.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={token}"
    records = asyncio.run(_run_cells(url, [probe, *cells]))
    _api(base, token, f"/api/sessions/{session['id']}", method="DELETE")
    failed = [(i, r["errors"]) for i, r in enumerate(records) if r["status"] != "ok"]
    assert failed == [], failed
    assert [r["count"] for r in records] == list(range(1, len(cells) + 2)), "cells did not run in order, once each"
    probe_out = records[0]["text"]
    assert f"CWD {CHAPTERS_DIR}" in probe_out, probe_out
    assert f"HELPERS {ROOT / 'src' / 'helpers'}" in probe_out, probe_out
    assert "Simulated example data" in "".join(r["text"] for r in records), "the default data were not found"
    assert time.monotonic() - start < 60
