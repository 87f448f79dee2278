#!/usr/bin/env bash
# Installs the system packages ParaPlan builds against, when any is missing (Debian/Ubuntu). With `browser`, also
# headless Chromium and a font, which the tests open the HTML reports in.
set -euo pipefail

packages=(coinor-libclp-dev libglpk-dev libmetis-dev pkg-config)
[ "${1:-}" = "browser" ] && packages+=(chromium fonts-dejavu-core)
missing=()
for package in "${packages[@]}"; do
    # Installed, not merely known: a removed package keeps its config files and a record that dpkg -s accepts.
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]} and no apt-get here; install them by hand (CLP, GLPK and METIS" \
        "development packages; Chromium for the report tests)" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
