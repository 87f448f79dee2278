#!/usr/bin/env bash
# Makes the project's Python virtual environment (.venv, ignored by git) when missing, and installs the paraplan
# package into it with its test tools and torch (for paraplan.runtime's torch.distributed tests):
# `pip install ./python[test,torch,parquet]` builds the native library (release).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"

apt_install() {
    command -v apt-get >/dev/null 2>&1 || { echo "python-env: need $* and no apt-get here" >&2; exit 1; }
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v "$python" >/dev/null 2>&1 || apt_install python3 python3-venv python3-pip
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "python-env: $python is $("$python" --version 2>&1); paraplan needs Python 3.10 or newer" >&2
    exit 1
}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$python" -m venv .venv; }
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "./python[test,torch,parquet]"
