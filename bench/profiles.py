"""py-spy flame summaries of the `web` workers while a capacity run loads them.

`recording(name, root_pid, seconds)` samples every gunicorn process under `root_pid` (the
honcho that started them) with `py-spy record -f raw --nolineno`; `summary` turns the folded
stacks into the top lines of a flame graph: where the samples' leaf frames are (own time), and
which of the app's own frames (milequest/, templates/) hold the most samples below them.
"""

import subprocess
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
TOP = 10


def gunicorn_master(root_pid: int) -> int | None:
    """The first process under `root_pid` whose command line runs gunicorn."""
    children = _children()
    todo = [root_pid]
    while todo:
        pid = todo.pop(0)
        if pid != root_pid and "gunicorn" in _cmdline(pid):
            return pid
        todo += children.get(pid, [])
    return None


@contextmanager
def recording(name: str, root_pid: int, seconds: float, summaries: dict[str, list[str]]):
    """Sample the web workers for `seconds` while the body runs; add `name`'s summary."""
    master = gunicorn_master(root_pid)
    if master is None:
        yield
        return
    raw = OUT / f"profile-{name}.txt"
    command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(master)]
    command += ["--subprocesses", "--nolineno", "-f", "raw", "-r", "97", "-o", str(raw)]
    command += ["-d", str(int(seconds))]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 60)
    if raw.exists():
        summaries[name] = summary(raw.read_text())


def summary(folded: str, top: int = TOP) -> list[str]:
    """The top lines of a flame graph of `folded` (py-spy raw: "frame;frame;... count"), of the
    samples taken inside a request (Flask's wsgi_app); the rest is the server waiting."""
    own, below, total, everything = Counter(), Counter(), 0, 0
    for line in folded.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        everything += int(count)
        if "Flask.wsgi_app" not in stack:
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if "milequest/" in frame or ".html" in frame:
                below[frame] += int(count)
    if not total:
        return ["no samples"]
    lines = [f"{total} samples in requests ({everything} in all); own time (leaf frames):"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["app frames, samples at or below them:"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in below.most_common(top)]
    return lines


def _short(frame: str) -> str:
    """'render (jinja2/environment.py)' stays; site-packages and root prefixes go."""
    return frame.replace(str(ROOT) + "/", "").split("site-packages/")[-1]


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
