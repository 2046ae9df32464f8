#!/usr/bin/env bash
# Builds the Space base image with Podman: Debian bookworm (debootstrap minbase) + Python 3 + a venv at
# /opt/podium holding the `podium` and `podium-tunnel` wheels built from sdk/ and tunnel/ and their dependencies
# (pinned by constraints.txt).
#
#   infra/space-image/build.sh        # prints the image reference on its last line of stdout
#
# Tags: localhost/podium-space-base:<inputs digest> and :latest. The digest covers sdk/'s and tunnel/'s sources,
# constraints.txt and this script: when an image with it exists, nothing is done (well under a second).
# Base images cannot be pulled here, so the rootfs comes from debootstrap, using the Debian mirror the
# machine's apt is configured with (its images are cached too: localhost/podium-debian-rootfs:<digest>).
# Cold (measured here): about 60 s for the rootfs (debootstrap) + 20 s for the venv (pip from PyPI through the
# host's CA bundle); warm (digest unchanged): under a second.
# Needs root (debootstrap) and Debian's podman, buildah, runc and debootstrap (make setup installs them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
SCRIPT="$ROOT/infra/space-image/build.sh"
IMAGE="localhost/podium-space-base"
ROOTFS_IMAGE="localhost/podium-debian-rootfs"
SUITE="bookworm"
PACKAGES="python3,python3-venv,ca-certificates"
CA_BUNDLE="${PODIUM_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

log() { printf 'space-image: %s\n' "$*" >&2; }
die() { printf 'space-image: error: %s\n' "$*" >&2; exit 1; }

for tool in podman debootstrap sha256sum flock; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; install Debian's podman, buildah, runc and debootstrap (make setup does)"
done
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)" || die "python3 not found"

# sdk/'s and tunnel/'s sources, the pins, this script, and the browser UI build that hatch_build.py puts into the wheel.
sdk_digest() {
    (cd "$ROOT" && find sdk tunnel -type f \( -name '*.egg-info' -o -path '*/__pycache__/*' -o -path '*.egg-info/*' \) -prune \
        -o -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum constraints.txt "$SCRIPT"
        if [ -f frontend_dist/build/app/.vite/manifest.json ]; then sha256sum frontend_dist/build/app/.vite/manifest.json; fi
    ) | sha256sum | cut -c1-16
}

# The first Debian mirror apt uses for $SUITE (deb822 .sources files or one-line sources.list entries).
debian_mirror() {
    python3 - "$SUITE" <<'PY'
import glob
import sys

suite = sys.argv[1]
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")) + ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in text.split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and not line.startswith(("#", " ")))
            fields = {k.strip(): v.strip() for k, v in fields.items()}
            if suite in fields.get("Suites", "").split() and "main" in fields.get("Components", "").split():
                print(fields["URIs"].split()[0])
                sys.exit(0)
    else:
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "deb" and suite in parts and "main" in parts:
                print(parts[parts.index(suite) - 1])
                sys.exit(0)
sys.exit(1)
PY
}

# One build at a time on this machine (parallel test runs share Podman's image store).
exec 9>"/var/tmp/podium-space-image.lock"
flock 9 || die "could not lock /var/tmp/podium-space-image.lock"

start=$SECONDS
digest="$(sdk_digest)"
ref="$IMAGE:$digest"
if podman image exists "$ref"; then
    podman tag "$ref" "$IMAGE:latest"
    log "$ref is up to date"
    echo "$ref"
    exit 0
fi

rootfs_ref="$ROOTFS_IMAGE:$(printf '%s %s' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-16)"
if podman image exists "$rootfs_ref"; then
    log "reusing the rootfs image $rootfs_ref"
else
    [ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run this script as root (make setup does)"
    mirror="$(debian_mirror)" || die "no Debian mirror for $SUITE found in /etc/apt/sources.list(.d); configure apt first"
    work="$(mktemp -d /var/tmp/podium-rootfs.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    log "debootstrap $SUITE (minbase + $PACKAGES) from $mirror"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || die "debootstrap failed; the end of its log: $(tail -n 15 "$work/debootstrap.log")"
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    log "importing the rootfs as $rootfs_ref ($((SECONDS - start)) s so far)"
    tar -C "$work/rootfs" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$rootfs_ref" >/dev/null
    rm -rf "$work"
    trap - EXIT
fi

ctx="$(mktemp -d /var/tmp/podium-space-ctx.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
log "building the podium and podium-tunnel wheels from sdk/ and tunnel/"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation -w "$ctx/wheels" "$ROOT/sdk" "$ROOT/tunnel" 2>&1 \
    | { grep -v "^WARNING: Location 'file:" || true; }
[ "${PIPESTATUS[0]}" -eq 0 ] && ls "$ctx"/wheels/podium-[0-9]*.whl "$ctx"/wheels/podium_tunnel-*.whl >/dev/null 2>&1 \
    || die "pip wheel sdk tunnel failed"
cp "$ROOT/constraints.txt" "$ctx/constraints.txt"
cat >"$ctx/Containerfile" <<CONTAINERFILE
FROM $rootfs_ref
COPY wheels /tmp/wheels
COPY constraints.txt /tmp/constraints.txt
# The host's CA bundle is mounted at build time only (networks with a TLS-intercepting proxy).
RUN python3 -m venv /opt/podium \\
 && PIP_CERT=/run/podium-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/podium/bin/pip install --no-cache-dir \\
      --progress-bar off -c /tmp/constraints.txt /tmp/wheels/*.whl \\
 && rm -rf /tmp/wheels /tmp/constraints.txt
ENV PATH=/opt/podium/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PYTHONUNBUFFERED=1
WORKDIR /app
CMD ["python", "app.py"]
CONTAINERFILE
log "building $ref (venv at /opt/podium, podium and its dependencies from PyPI)"
podman build --quiet --network=host --volume "$CA_BUNDLE:/run/podium-ca.crt:ro" \
    --label "org.podium.inputs=$digest" -t "$ref" -t "$IMAGE:latest" -f "$ctx/Containerfile" "$ctx" >"$ctx/build.log" 2>&1 \
    || die "podman build failed; the end of its log: $(tail -n 20 "$ctx/build.log")"
# Older digests stay: a Space or a test may still build on one (`podman image prune` reclaims them).
log "built $ref in $((SECONDS - start)) s"
echo "$ref"
