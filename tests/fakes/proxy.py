"""An office's forwarding HTTP proxy on 127.0.0.1, for tests of what travels through one (HTTP_PROXY)."""
from __future__ import annotations

import http.server
import threading

import httpx


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """Carries POSTs to where their absolute URL says, noting each (method, URL, Proxy-Authorization); the first
    `refuse` sendMessage calls get the proxy's own page instead (status, body), as a firewall's refusal. Use with
    ``with``: it serves from a thread of its own."""

    def __init__(self, refuse: list[tuple[int, bytes]] | None = None) -> None:
        self.refuse = list(refuse or [])
        self.seen: list[tuple[str, str, str | None]] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> ForwardingProxy:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append(("POST", self.path, self.headers.get("Proxy-Authorization")))
        if self.path.endswith("/sendMessage") and self.server.refuse:
            status, page, ctype = *self.server.refuse.pop(0), "text/html"
        else:
            headers = {"Content-Type": self.headers["Content-Type"]} if self.headers["Content-Type"] else {}
            answer = httpx.post(self.path, content=body, headers=headers, trust_env=False)   # not through itself
            status, page, ctype = answer.status_code, answer.content, "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args) -> None:
        pass
