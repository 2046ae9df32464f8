#!/usr/bin/env bash
# Podman's Docker-compatible API on a unix socket (what the builder and the runtime talk to with the docker SDK).
#
#   infra/podman/socket.sh start [SOCKET_PATH]   # starts `podman system service` unless it answers; prints the path
#   infra/podman/socket.sh stop [SOCKET_PATH]
#   infra/podman/socket.sh status [SOCKET_PATH]  # exit 0 when the socket answers GET /_ping
#
# SOCKET_PATH defaults to /run/podium/podman.sock as root, else ${XDG_RUNTIME_DIR:-/tmp}/podium/podman.sock
# (podium_cp.builds.engine.default_socket_path() computes the same). The service's pid is in SOCKET_PATH.pid,
# its log in SOCKET_PATH.log.
set -euo pipefail

die() { printf 'podman-socket: error: %s\n' "$*" >&2; exit 1; }

default_socket() {
    if [ "$(id -u)" -eq 0 ]; then echo /run/podium/podman.sock; else echo "${XDG_RUNTIME_DIR:-/tmp}/podium/podman.sock"; fi
}

ping_socket() {
    local sock="$1"
    [ -S "$sock" ] || return 1
    python3 - "$sock" <<'PY' 2>/dev/null
import socket
import sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
reply = b""
while chunk := s.recv(4096):
    reply += chunk
sys.exit(0 if reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0] + b" " else 1)
PY
}

pid_alive() { [ -f "$1.pid" ] && kill -0 "$(cat "$1.pid")" 2>/dev/null; }

start() {
    local sock="$1" i
    if ping_socket "$sock"; then echo "$sock"; return; fi
    command -v podman >/dev/null 2>&1 || die "podman not found; install Debian's podman, buildah and runc (make setup does)"
    mkdir -p "$(dirname "$sock")"
    if pid_alive "$sock"; then kill "$(cat "$sock.pid")" 2>/dev/null || true; sleep 0.5; fi
    rm -f "$sock"
    nohup podman system service --time=0 "unix://$sock" >"$sock.log" 2>&1 </dev/null &
    echo $! >"$sock.pid"
    for i in $(seq 1 150); do
        if ping_socket "$sock"; then echo "$sock"; return; fi
        pid_alive "$sock" || die "podman system service exited; its log ($sock.log): $(tail -n 5 "$sock.log" 2>/dev/null)"
        sleep 0.2
    done
    die "podman's socket $sock did not answer GET /_ping within 30 s; see $sock.log"
}

stop() {
    local sock="$1" i
    if pid_alive "$sock"; then
        kill "$(cat "$sock.pid")" 2>/dev/null || true
        for i in $(seq 1 50); do pid_alive "$sock" || break; sleep 0.1; done
        pid_alive "$sock" && kill -9 "$(cat "$sock.pid")" 2>/dev/null || true
    fi
    rm -f "$sock" "$sock.pid"
}

cmd="${1:-}"
sock="${2:-$(default_socket)}"
case "$cmd" in
    start) start "$sock" ;;
    stop) stop "$sock" ;;
    status) ping_socket "$sock" ;;
    *) die "usage: $0 start|stop|status [SOCKET_PATH]" ;;
esac
