#!/usr/bin/env bash
# Installs what this repository needs, idempotently: system packages first, then the Python
# environments. `make setup` runs `scripts/setup.sh`; `make gradio-venv` runs `scripts/setup.sh gradio-venv`.
# Works as root without a terminal (CI runs it with CI=true and no stdin); re-running it is cheap.
#
# Later issues add their system packages to APT_PACKAGES below (postgresql, podman, ...) and their own
# steps as functions called from main(). The browser UI step: npm ci + npm run build in frontend_dist.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
GRADIO_VENV="$ROOT/.venv-gradio"

# Debian packages the repository needs. Only the missing ones are installed.
APT_PACKAGES=(
    python3-venv
    nodejs
    chromium
    postgresql
    podman
    buildah
    runc
    debootstrap
    docker-registry
)

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
export DEBIAN_FRONTEND=noninteractive
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- system packages ---------------------------------------------------------------------------

missing_apt_packages() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            printf '%s\n' "$pkg"
        fi
    done
}

install_system_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        log "not a Debian system; make sure these are installed: ${APT_PACKAGES[*]}"
        return
    fi
    local missing
    mapfile -t missing < <(missing_apt_packages "${APT_PACKAGES[@]}")
    if [ "${#missing[@]}" -eq 0 ]; then
        return
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing packages ${missing[*]}; install them as root"
        sudo=(sudo -n)
    fi
    log "installing system packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- Python environments -----------------------------------------------------------------------

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.10 or newer (or set PYTHON=...)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); Podium needs Python 3.10 or newer (set PYTHON=...)"
}

# Creates the venv at $1 unless a working one is already there.
ensure_venv() {
    local venv="$1"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        return
    fi
    if [ -e "$venv" ]; then
        log "$venv is broken or too old; recreating it"
        rm -rf "$venv"
    fi
    log "creating $venv with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$venv"
}

# pip, minus the "Location 'file:///...' is ignored" notes that this machine's pip configuration causes.
pip_install() {
    local python="$1"
    shift
    "$python" -m pip install --quiet --progress-bar off "$@" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }
    return "${PIPESTATUS[0]}"
}

# A digest of every input of a venv's install step; the step is skipped while the digest matches.
inputs_digest() {
    cat "$@" "$ROOT/scripts/setup.sh" | sha256sum | cut -d' ' -f1
}

setup_dev_venv() {
    ensure_venv "$VENV"
    local stamp="$VENV/.podium-setup" digest
    digest="$(inputs_digest "$ROOT/constraints.txt" "$ROOT/sdk/pyproject.toml" "$ROOT/tunnel/pyproject.toml" "$ROOT/controlplane/pyproject.toml")"
    # The editable installs must point at this checkout (a copied venv would point elsewhere).
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] \
        && "$VENV/bin/python" -c 'import os, sys, podium, podium_tunnel, podium_cp; sys.exit(not all(m.__file__.startswith(d + os.sep) for m, d in zip((podium, podium_tunnel, podium_cp), sys.argv[1:])))' \
            "$ROOT/sdk/podium" "$ROOT/tunnel/podium_tunnel" "$ROOT/controlplane/podium_cp" 2>/dev/null; then
        return
    fi
    log "installing podium, podium-tunnel and podium-controlplane (editable) and dev tools into .venv"
    pip_install "$VENV/bin/python" -c "$ROOT/constraints.txt" pip hatchling
    # No build isolation: the pinned hatchling above builds both, without a download. The editable installs
    # are .pth files that put sdk/, tunnel/, controlplane/ and services/ on sys.path, so new modules need no reinstall.
    pip_install "$VENV/bin/python" -c "$ROOT/constraints.txt" --no-build-isolation -e "$ROOT/tunnel" -e "$ROOT/sdk[dev]" -e "$ROOT/controlplane[dev]"
    echo "$digest" > "$stamp"
}

setup_gradio_venv() {
    ensure_venv "$GRADIO_VENV"
    local stamp="$GRADIO_VENV/.podium-setup" digest
    digest="$(inputs_digest "$ROOT/constraints-gradio.txt")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
        return
    fi
    log "installing gradio into .venv-gradio (benchmarks only)"
    pip_install "$GRADIO_VENV/bin/python" -c "$ROOT/constraints-gradio.txt" pip gradio gradio_client
    echo "$digest" > "$stamp"
}

# --- browser UI (frontend_dist) -----------------------------------------------------------------

FRONTEND="$ROOT/frontend_dist"

# A digest of the frontend's sources (everything but node_modules and build) and of this script.
frontend_digest() {
    (cd "$FRONTEND" && find . \( -path ./node_modules -o -path ./build \) -prune -o -type f -print0 \
        | sort -z | xargs -0 sha256sum; sha256sum "$ROOT/scripts/setup.sh") | sha256sum | cut -d' ' -f1
}

# npm ci (when package-lock.json changed) and npm run build (when a source changed, or a build is missing) into
# frontend_dist/build/app (the app renderer) and frontend_dist/build/console (the web console).
setup_frontend() {
    [ -f "$FRONTEND/package.json" ] || return 0
    if ! command -v npm >/dev/null 2>&1; then
        log "npm not found; installing Debian's npm"
        APT_PACKAGES=(npm)
        install_system_packages
    fi
    local modules_stamp="$FRONTEND/node_modules/.podium-setup" build_stamp="$FRONTEND/build/.podium-setup" digest
    digest="$(inputs_digest "$FRONTEND/package-lock.json")"
    if ! { [ -f "$modules_stamp" ] && [ "$(cat "$modules_stamp")" = "$digest" ]; }; then
        log "installing the frontend's npm packages (npm ci)"
        (cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in frontend_dist"
        echo "$digest" > "$modules_stamp"
    fi
    digest="$(frontend_digest)"
    if [ -f "$build_stamp" ] && [ "$(cat "$build_stamp")" = "$digest" ] \
        && [ -f "$FRONTEND/build/app/.vite/manifest.json" ] \
        && { [ -f "$FRONTEND/build/console/index.html" ] || [ -f "$FRONTEND/build/console/src/console/index.html" ]; }; then
        return
    fi
    log "building the browser UI into frontend_dist/build/app and frontend_dist/build/console"
    (cd "$FRONTEND" && npm run --silent build >/dev/null) || die "the frontend build failed; run 'npm run build' in frontend_dist"
    echo "$digest" > "$build_stamp"
}

# --- Podman (Spaces: image builds and containers through its Docker-compatible socket) -----------

# Writes the containers.conf settings Podman needs here (runc, container ulimits); infra/podman/setup.sh.
setup_podman() {
    [ "$(id -u)" -eq 0 ] || { log "not root: skipping infra/podman/setup.sh (run it as root once)"; return; }
    bash "$ROOT/infra/podman/setup.sh" || die "infra/podman/setup.sh failed"
}

main() {
    local target="${1:-dev}"
    install_system_packages
    setup_podman
    check_python
    case "$target" in
        dev) setup_dev_venv; setup_frontend ;;
        gradio-venv) setup_gradio_venv ;;
        *) die "unknown target '$target' (expected: dev, gradio-venv)" ;;
    esac
}

main "$@"
