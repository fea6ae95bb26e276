"""Process-level behaviour of `deeptalk serve`: stdout hygiene and exit when orphaned."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


TIMEOUT = 60.0


def _process_gone(pid: int) -> bool:
    """True once `pid` has exited (reaped, or a zombie nobody reaps)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_claim_stdout_sends_stray_output_to_stderr() -> None:
    code = (
        "import os\n"
        "from deeptalk.server_io import claim_stdout\n"
        "out = claim_stdout()\n"
        "print('stray python print')\n"
        "os.write(1, b'stray C-level write\\n')\n"
        "out.write(b'protocol line\\n'); out.flush()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=TIMEOUT, check=True)
    assert done.stdout == b"protocol line\n"
    assert b"stray python print" in done.stderr and b"stray C-level write" in done.stderr


def test_exits_when_its_parent_dies(tmp_path: Path) -> None:
    """The parent goes away while our end of stdin stays open: the ppid watch must end the server."""
    log_path = tmp_path / "serve.log"
    read_fd, write_fd = os.pipe()
    launcher = (
        "import subprocess, sys, time\n"
        f"log = open({str(log_path)!r}, 'wb')\n"
        "p = subprocess.Popen([sys.executable, '-m', 'deeptalk', 'serve', '--device', 'cpu', '--model-dir',"
        f" {str(tmp_path / 'none')!r}], stdin={read_fd}, stdout=subprocess.DEVNULL, stderr=log)\n"
        "deadline = time.time() + 60\n"
        f"while b'deeptalk serve pid' not in open({str(log_path)!r}, 'rb').read() and time.time() < deadline:\n"
        "    time.sleep(0.05)\n"
        "print(p.pid, flush=True)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", launcher], capture_output=True, timeout=TIMEOUT,
                              pass_fds=(read_fd,), check=True)
        pid = int(done.stdout)
        os.close(read_fd)
        read_fd = -1
        deadline = time.monotonic() + 15
        while not _process_gone(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        gone = _process_gone(pid)
        if not gone:
            os.kill(pid, 9)
        assert gone, "deeptalk serve outlived its parent"
        assert b"parent process" in log_path.read_bytes()
    finally:
        os.close(write_fd)
        if read_fd >= 0:
            os.close(read_fd)
