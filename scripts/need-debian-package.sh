#!/usr/bin/env bash
# Usage: need-debian-package.sh COMMAND PACKAGE...
# Installs the Debian packages when COMMAND is missing and we are root; otherwise says what to run.
# A COMMAND named like a shared library (libcairo.so.2) is looked for in the linker's cache.
set -euo pipefail
command=$1
shift
if [[ $command == *.so* ]]; then
  /sbin/ldconfig -p | grep -qE "^[[:space:]]+${command//./\\.} " && exit 0
else
  command -v "$command" >/dev/null 2>&1 && exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: '$command' is missing. Install it with: sudo apt-get install -y $*" >&2
  exit 1
fi
echo "Installing $* from Debian ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
