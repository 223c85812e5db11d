"""The Debian packages the local services need: installed when we are root, else named."""

import os
import subprocess
import sys

from devservices import postgres, redis
from devservices.local import ServiceError, Settings, is_root


def missing(settings: Settings) -> list[str]:
    needed = [] if settings.pg_external else postgres.missing_packages()
    return needed + ([] if settings.redis_external else redis.missing_packages())


def install(packages: list[str]) -> None:
    if not packages:
        return
    names = " ".join(packages)
    if not is_root():
        raise ServiceError(
            f"missing packages: {names}\nInstall them with:\n  sudo apt-get update && "
            f"sudo DEBIAN_FRONTEND=noninteractive apt-get install -y {names}"
        )
    print(f"installing: {names}", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        if subprocess.run(command, env=env, stdout=sys.stderr).returncode != 0:
            raise ServiceError(f"could not install {names}: `{' '.join(command)}` failed")
