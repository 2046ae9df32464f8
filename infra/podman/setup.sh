#!/usr/bin/env bash
# Configures Podman for this kind of machine, idempotently (scripts/setup.sh runs it as root):
#   [engine] runtime = "runc"        crun is not usable here; runc is (Debian's runc package)
#   [containers] default_ulimits     the host's nofile/nproc limits are above what a container may set
# Both settings are merged into /etc/containers/containers.conf (or $PODIUM_CONTAINERS_CONF); every other
# setting already in the file is kept. Re-running it changes nothing.
set -euo pipefail

CONF="${PODIUM_CONTAINERS_CONF:-/etc/containers/containers.conf}"

die() { printf 'podman-setup: error: %s\n' "$*" >&2; exit 1; }

command -v podman >/dev/null 2>&1 || die "podman not found; install Debian's podman, buildah and runc (make setup does)"
command -v runc >/dev/null 2>&1 || die "runc not found; install Debian's runc package (make setup does)"
command -v python3 >/dev/null 2>&1 || die "python3 not found (needed to merge $CONF)"

mkdir -p "$(dirname "$CONF")" || die "cannot create $(dirname "$CONF"); run as root or set PODIUM_CONTAINERS_CONF"

# A section-aware line edit: replaces the key inside its section, adds it (or the section) when missing.
python3 - "$CONF" <<'PY'
import re
import sys
from pathlib import Path

path = Path(sys.argv[1])
wanted = {
    "engine": ("runtime", 'runtime = "runc"'),
    "containers": ("default_ulimits", 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]'),
}
lines = path.read_text().splitlines() if path.exists() else []
original = list(lines)
for section, (key, line) in wanted.items():
    header = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]\s*(#.*)?$")
    start = next((i for i, text in enumerate(lines) if header.match(text)), None)
    if start is None:
        lines += ["", f"[{section}]", line]
        continue
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines))
    key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    found = next((i for i in range(start + 1, end) if key_re.match(lines[i])), None)
    if found is None:
        lines.insert(start + 1, line)
    elif "[" in lines[found].split("=", 1)[1] and "]" not in lines[found].split("=", 1)[1]:
        # A multi-line array: replace every line up to the closing bracket.
        stop = next(i for i in range(found, end) if "]" in lines[i])
        lines[found : stop + 1] = [line]
    else:
        lines[found] = line
if lines != original:
    path.write_text("\n".join(lines).lstrip("\n") + "\n")
    print(f"podman-setup: updated {path}", file=sys.stderr)
PY
