#!/usr/bin/env bash
# Builds the platform image (infra/platform/Containerfile) with Podman.
#
#   infra/platform/build.sh                 # prints the image reference on its last line of stdout
#   BASE=python:3.12-slim-bookworm infra/platform/build.sh   # operators: a standard Python base image
#
# Tags: localhost/podium-platform:<inputs digest> and :latest. The digest covers the control plane's, the
# services', the SDK's and the tunnel's sources, migrations/, the console build, constraints.txt, the
# Containerfile, the entrypoint, this script and BASE: when an image with it exists, nothing is done.
# Without BASE, the image builds FROM the project's cached Debian bookworm rootfs (localhost/podium-debian-rootfs:
# <digest>, made by infra/space-image/build.sh, which this script runs when the rootfs is missing): no base image
# can be pulled on the machines that test it. The console must be built first (`make build-frontend`); without
# frontend_dist/build/console the API serves no console.
# Push it to your registry yourself: podman push localhost/podium-platform:<digest> REGISTRY/podium/platform:TAG
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
HERE="$ROOT/infra/platform"
IMAGE="localhost/podium-platform"
ROOTFS_IMAGE="localhost/podium-debian-rootfs"
# Must match infra/space-image/build.sh: its rootfs tag is the digest of "SUITE PACKAGES".
ROOTFS_KEY="bookworm python3,python3-venv,ca-certificates"
CA_BUNDLE="${PODIUM_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

log() { printf 'platform-image: %s\n' "$*" >&2; }
die() { printf 'platform-image: error: %s\n' "$*" >&2; exit 1; }

for tool in podman sha256sum flock; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; install Debian's podman, buildah and runc (make setup does)"
done
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)" || die "python3 not found"

base="${BASE:-}"
if [ -z "$base" ]; then
    base="$ROOTFS_IMAGE:$(printf '%s' "$ROOTFS_KEY" | sha256sum | cut -c1-16)"
    if ! podman image exists "$base"; then
        log "no $base yet: infra/space-image/build.sh makes it"
        bash "$ROOT/infra/space-image/build.sh" >/dev/null || die "infra/space-image/build.sh failed"
        podman image exists "$base" || die "$base is still missing after infra/space-image/build.sh"
    fi
fi

inputs_digest() {
    (cd "$ROOT" && find controlplane/podium_cp services/podium_services sdk tunnel migrations frontend_dist/build/console \
            -type f \( -path '*/__pycache__/*' -o -path '*.egg-info/*' -o -path '*/node_modules/*' \) -prune \
            -o -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
        sha256sum constraints.txt controlplane/pyproject.toml controlplane/hatch_build.py \
            "$HERE/Containerfile" "$HERE/podium-service" "$HERE/build.sh"
        printf 'BASE=%s\n' "$base"
    ) | sha256sum | cut -c1-16
}

exec 9>"/var/tmp/podium-platform-image.lock"
flock 9 || die "could not lock /var/tmp/podium-platform-image.lock"

start=$SECONDS
digest="$(inputs_digest)"
ref="$IMAGE:$digest"
if podman image exists "$ref"; then
    podman tag "$ref" "$IMAGE:latest"
    log "$ref is up to date"
    echo "$ref"
    exit 0
fi

ctx="$(mktemp -d /var/tmp/podium-platform-ctx.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
log "building the podium, podium-tunnel and podium-controlplane wheels"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation -w "$ctx/wheels" \
    "$ROOT/sdk" "$ROOT/tunnel" "$ROOT/controlplane" >"$ctx/wheel.log" 2>&1 \
    || die "pip wheel failed: $(tail -n 15 "$ctx/wheel.log")"
mkdir -p "$ctx/app/controlplane" "$ctx/app/services" "$ctx/app/frontend_dist/build"
cp -r "$ROOT/controlplane/podium_cp" "$ctx/app/controlplane/"
cp -r "$ROOT/services/podium_services" "$ctx/app/services/"
cp -r "$ROOT/migrations" "$ctx/app/migrations"
if [ -d "$ROOT/frontend_dist/build/console" ]; then
    cp -r "$ROOT/frontend_dist/build/console" "$ctx/app/frontend_dist/build/console"
else
    log "warning: no frontend_dist/build/console (run make build-frontend); the image serves the API only"
fi
find "$ctx/app" \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
cp "$ROOT/constraints.txt" "$ctx/constraints.txt"
cp "$HERE/Containerfile" "$HERE/podium-service" "$ctx/"
[ -f "$CA_BUNDLE" ] || { CA_BUNDLE="$ctx/empty-ca.crt"; : >"$CA_BUNDLE"; }

log "building $ref FROM $base"
podman build --network=host --build-arg "BASE=$base" --volume "$CA_BUNDLE:/run/podium-ca.crt:ro" \
    --label "org.podium.inputs=$digest" -t "$ref" -t "$IMAGE:latest" -f "$ctx/Containerfile" "$ctx" >"$ctx/build.log" 2>&1 \
    || die "podman build failed; the end of its log: $(tail -n 20 "$ctx/build.log")"
log "built $ref in $((SECONDS - start)) s"
echo "$ref"
