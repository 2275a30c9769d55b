"""The zygote server (imports nothing from ``helpers``): one pre-started process that forks kernels.

``python zygote_server.py SOCKET SITE_FILE PRELOAD`` imports the comma-separated
*PRELOAD* modules once, prints ``ready`` and then, for each client that connects
to the Unix socket *SOCKET*, forks one ipykernel (single-threaded, so forking is
safe). Each child takes the client's stdio, environment and working folder, runs
*SITE_FILE* (the read recorder) and exits when its client goes away. The server
exits when its parent does.
"""

import importlib
import json
import os
import select
import signal
import socket
import sys
import threading


def child(request, fds, conn, site_file, script_dir):
    """Become the kernel the client asked for (in the forked process; never returns)."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch():  # the client is the kernel process jupyter_client knows: die with it
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()  # fresh entropy, as in a newly started process
    with open(site_file, encoding="utf-8") as handle:
        code = compile(handle.read(), site_file, "exec")
    exec(code, {"__name__": "sitecustomize"})
    while script_dir in sys.path:
        sys.path.remove(script_dir)
    # as when launched directly: the kernel knows its parent (here the zygote) and stays quiet
    argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = ["ipykernel_launcher", *argv]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=argv)
    os._exit(0)


def read_exact(conn, size):
    """Read exactly *size* bytes from *conn* (EOFError if it closes first)."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_request(conn):
    """Return ``(request, fds)`` sent by a client: a 16-byte length with 3 file descriptors, then JSON."""
    header, fds, _, _ = socket.recv_fds(conn, 16, 3)
    header += read_exact(conn, 16 - len(header))
    return json.loads(read_exact(conn, int(header))), fds


class _KernelShell:  # what get_ipython() returns in a kernel, as far as import-time checks look
    kernel = True


def preload(names):
    """Import each module of *names* as a kernel would (failures are ignored)."""
    import builtins

    builtins.get_ipython = _KernelShell  # so pandas picks its in-a-kernel display defaults
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    del builtins.get_ipython


def reap(children):
    """Tell each client whose kernel exited its exit status, and close it."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
            except OSError:
                pass
            conn.close()


def serve(sock_path, site_file, modules):
    """Preload *modules* (comma-separated), then fork a kernel per connection until the parent exits."""
    preload([m for m in modules.split(",") if m])
    script_dir = os.path.dirname(os.path.abspath(__file__))
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(64)
    print("ready", flush=True)
    children = {}
    while True:
        ready, _, _ = select.select([server], [], [], 0.2)
        if os.getppid() != parent:
            os._exit(0)
        if ready:
            conn, _ = server.accept()
            try:
                request, fds = read_request(conn)
            except (OSError, EOFError, ValueError):
                conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    server.close()
                    child(request, fds, conn, site_file, script_dir)
                finally:
                    os._exit(1)
            for fd in fds:
                os.close(fd)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            children[pid] = conn
        reap(children)


if __name__ == "__main__":
    serve(*sys.argv[1:4])
