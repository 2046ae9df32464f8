"""Opening and accepting the tunnel's TCP connections: plain, TLS, TLS after FRP's 0x17 first byte, and through
an HTTP CONNECT proxy; plus a self-signed certificate for servers given none.

Both sides end with an asyncio (reader, writer) pair, which `YamuxSession` or `StreamConn` take over.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import socket
import ssl
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from podium_tunnel.conn import format_address

TLS_FIRST_BYTE = b"\x17"  # frpc's marker before a TLS ClientHello (custom TLS first byte)
TLS_HANDSHAKE = 0x16  # the first byte of a plain TLS ClientHello record
STREAM_LIMIT = 1 << 20  # the asyncio stream buffer: large reads, few pauses
_MAX_PROXY_HEAD = 16 * 1024


class DialError(OSError):
    """The tunnel server (or the HTTP proxy in front of it) could not be reached; the message says why."""


def client_tls_context(tls: bool | ssl.SSLContext) -> ssl.SSLContext | None:
    """The client's TLS context: `True` means TLS without verifying the server (frpc without a trusted CA file)."""
    if isinstance(tls, ssl.SSLContext):
        return tls
    if not tls:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _connect_socket(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise DialError(f"cannot resolve {host!r}")
    error: OSError | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as failure:
            sock.close()
            error = failure
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    assert error is not None
    raise error


async def _http_connect(sock: socket.socket, proxy_url: str, host: str, port: int) -> None:
    """Asks the HTTP proxy on `sock` for a tunnel to host:port (CONNECT); raises DialError unless it answers 200."""
    loop = asyncio.get_running_loop()
    parts = urlsplit(proxy_url)
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        head += f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    await loop.sock_sendall(sock, (head + "\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:  # the server says nothing before the client, so nothing is over-read
        data = await loop.sock_recv(sock, 4096)
        if not data:
            raise DialError(f"the HTTP proxy {parts.hostname}:{parts.port} closed the connection during CONNECT")
        answer += data
        if len(answer) > _MAX_PROXY_HEAD:
            raise DialError(f"the HTTP proxy {parts.hostname}:{parts.port} sent an oversized answer to CONNECT")
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or fields[1] != "200":
        raise DialError(f"the HTTP proxy {parts.hostname}:{parts.port} refused CONNECT {target}: {status_line!r}"
                        + (" (check the proxy's user and password)" if fields[1:2] == ["407"] else ""))


async def dial(host: str, port: int, *, tls: bool | ssl.SSLContext = False, server_name: str | None = None,
               tls_first_byte: bool = False, http_proxy: str | None = None,
               timeout: float = 10.0) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connects to the tunnel server at host:port, through `http_proxy` (http://[user:pass@]host:port) if given,
    writing the 0x17 byte first if asked, then TLS (`tls=True`: not verified; an SSLContext: as it says)."""
    context = client_tls_context(tls)
    try:
        return await asyncio.wait_for(_dial(host, port, context, server_name, tls_first_byte, http_proxy), timeout)
    except (asyncio.TimeoutError, TimeoutError):
        via = f" through the HTTP proxy {http_proxy}" if http_proxy else ""
        raise DialError(f"connecting to the tunnel server {host}:{port}{via} timed out after {timeout:g} s") from None


async def _dial(host: str, port: int, context: ssl.SSLContext | None, server_name: str | None,
                tls_first_byte: bool, http_proxy: str | None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    if http_proxy:
        parts = urlsplit(http_proxy if "://" in http_proxy else f"http://{http_proxy}")
        if parts.scheme not in ("http", "") or not parts.hostname:
            raise DialError(f"unsupported proxy {http_proxy!r}: give http://[user:password@]host:port")
        try:
            sock = await _connect_socket(parts.hostname, parts.port or 80)
        except OSError as error:
            raise DialError(f"cannot reach the HTTP proxy {parts.hostname}:{parts.port or 80}: {error}") from error
        try:
            await _http_connect(sock, http_proxy, host, port)
        except BaseException:
            sock.close()
            raise
    else:
        try:
            sock = await _connect_socket(host, port)
        except OSError as error:
            raise DialError(f"cannot reach the tunnel server {host}:{port}: {error}") from error
    try:
        if context is not None and tls_first_byte:
            await loop.sock_sendall(sock, TLS_FIRST_BYTE)
        return await asyncio.open_connection(
            sock=sock, ssl=context, server_hostname=(server_name or host) if context is not None else None,
            limit=STREAM_LIMIT)
    except ssl.SSLError as error:
        sock.close()
        raise DialError(f"TLS with the tunnel server {host}:{port} failed: {error}") from error
    except BaseException:
        sock.close()
        raise


async def _readable(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


class HandshakeRefused(Exception):
    """An accepted connection that is not served: plaintext while TLS is forced, closed, or silent too long."""


async def accept_connection(sock: socket.socket, *, tls: ssl.SSLContext, tls_force: bool = False,
                            timeout: float = 10.0) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Wraps an accepted socket as frps does: peek at the first byte (within `timeout`); 0x17 → consume it and
    serve TLS, 0x16 → serve TLS, anything else → plaintext (refused when `tls_force`)."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    peer = format_address(sock.getpeername())
    try:
        await asyncio.wait_for(_readable(sock), timeout)
        first = sock.recv(1, socket.MSG_PEEK)
    except (asyncio.TimeoutError, TimeoutError):
        raise HandshakeRefused(f"{peer} sent nothing within {timeout:g} s") from None
    except OSError as error:
        raise HandshakeRefused(f"{peer}: {error}") from None
    if not first:
        raise HandshakeRefused(f"{peer} closed the connection before sending anything")
    use_tls = first == TLS_FIRST_BYTE or first[0] == TLS_HANDSHAKE
    if first == TLS_FIRST_BYTE:
        sock.recv(1)
    if not use_tls and tls_force:
        raise HandshakeRefused(f"{peer} did not start TLS, which this server requires (enable TLS in the client)")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = asyncio.StreamReader(limit=STREAM_LIMIT)
    protocol = asyncio.StreamReaderProtocol(reader)
    try:
        transport, _ = await loop.connect_accepted_socket(
            lambda: protocol, sock, ssl=tls if use_tls else None, ssl_handshake_timeout=timeout if use_tls else None)
    except (ssl.SSLError, OSError, asyncio.TimeoutError, TimeoutError) as error:
        raise HandshakeRefused(f"{peer}: TLS handshake failed: {error}") from None
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


def self_signed_context(common_name: str = "podium-share") -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed EC certificate (what frps does when given none)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as directory:  # load_cert_chain reads files only
        cert_path, key_path = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context.load_cert_chain(cert_path, key_path)
    return context
