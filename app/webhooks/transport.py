"""One HTTP POST to a webhook endpoint, with the SSRF guard: the host is resolved once, every address it resolves
to must be public (unless WEBHOOK_ALLOW_PRIVATE), and the connection goes to that checked address (a second DNS
answer cannot swap in an internal one). No redirects are followed; the answer's body is read up to 64 KiB."""
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_ANSWER = 64 * 1024


class Blocked(Exception):
    """The address is not one a webhook may reach (private, loopback, link-local … while not allowed)."""


@dataclass
class Answer:
    status: int
    elapsed_ms: int


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local, reserved, multicast)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4, NAT64 64:ff9b::/96) is judged as itself.
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif ip.sixtofour:
            ip = ip.sixtofour
        elif ip in ipaddress.ip_network("64:ff9b::/96"):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def literal_address_problem(url: str) -> bool:
    """Whether a URL names an internal host outright (an IP literal that is not public, or localhost), which the
    form refuses at once in production; names are checked again, resolved, at every send."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not is_public(host)
    except ValueError:
        return False


def _resolve(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"DNS: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        internal = [a for a in addresses if not is_public(a)]
        if internal:
            raise Blocked(f"{host} → {internal[0]}: not a public address (WEBHOOK_ALLOW_PRIVATE is off)")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _cut(connection) -> None:
    """End a try that ran past its whole deadline: the blocked read in the sending thread then fails."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: bool) -> Answer:
    """POST the body; the status and how long it took. Network trouble raises OSError, the guard Blocked.
    `timeout` bounds each socket operation, and twice it the whole try: a receiver answering a byte at a time
    cannot hold the queue (every endpoint's) for longer."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    started = time.monotonic()
    address = _resolve(parts.hostname or "", port, allow_private)
    connection = (_PinnedHTTPS if secure else _PinnedHTTP)(parts.hostname, port, address, timeout)
    deadline = threading.Timer(timeout * 2, _cut, args=(connection,))
    deadline.daemon = True
    deadline.start()
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER)
        if time.monotonic() - started >= timeout * 2:
            raise TimeoutError("the whole try took longer than its deadline")
        return Answer(response.status, round((time.monotonic() - started) * 1000))
    finally:
        deadline.cancel()
        connection.close()
