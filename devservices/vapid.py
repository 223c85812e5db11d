"""A development VAPID key pair, made once under var/ (never committed) and reused.

`make run` exports it: eval "$(python -m devservices.vapid)". Tests read it with `dev_keys`.
A deployment sets MILEQUEST_VAPID_PRIVATE_KEY / _PUBLIC_KEY / _SUBJECT itself.
"""

import json
import os
import shlex
from pathlib import Path

from devservices.local import ROOT

KEY_FILE = ROOT / "var" / "vapid-dev.json"
DEV_SUBJECT = "mailto:dev@milequest.localhost"


def dev_keys(path: Path = KEY_FILE) -> dict[str, str]:
    """{"VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"}, made on the first call."""
    if not path.exists():
        from milequest.lib.web_push import generate_keys

        private, public = generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump({"VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public}, file)
        os.replace(temporary, path)  # two first starts at once: one whole pair wins
    return {**json.loads(path.read_text()), "VAPID_SUBJECT": DEV_SUBJECT}


if __name__ == "__main__":
    for name, value in dev_keys().items():
        print(f"export MILEQUEST_{name}=${{MILEQUEST_{name}:-{shlex.quote(value)}}}")
