"""The zygote client (imports nothing from ``helpers``): what jupyter_client starts as "the kernel".

It sends its arguments, environment, working folder and stdio to the zygote
server at ``$HELPERS_BOOK_ZYGOTE``, forwards every signal it gets to the forked
kernel and exits with the kernel's status.
"""

import json
import os
import signal
import socket
import sys

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def exit_status(code: int) -> int:
    """A shell-style exit status: a kernel killed by signal N gives 128 + N.

    >>> exit_status(0), exit_status(-9)
    (0, 137)
    """
    return code if code >= 0 else 128 - code


def request_kernel(sock_path: str, argv: list) -> int:
    """Ask the server for a kernel with *argv*; return its exit status when it ends."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sock_path)
    payload = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(sock, [f"{len(payload):016d}".encode()], [0, 1, 2])
    sock.sendall(payload)
    stream = sock.makefile("rb")
    pid = json.loads(stream.readline())["pid"]
    for number in FORWARDED:
        signal.signal(number, lambda n, _frame: os.kill(pid, n))
    line = stream.readline()
    return exit_status(json.loads(line)["exit"] if line else 1)


if __name__ == "__main__":
    sys.exit(request_kernel(os.environ["HELPERS_BOOK_ZYGOTE"], sys.argv[1:]))
