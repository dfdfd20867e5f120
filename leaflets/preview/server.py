"""The preview's web server: 127.0.0.1 only, the page, its event stream, page images and the PDF.

Nothing the sources contain is ever put in HTML by the server: the page is a fixed file and all
it shows arrives as JSON, which its script puts in the page as text.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .session import Session

HOST = "127.0.0.1"
PAGE = Path(__file__).with_name("page.html")
SCRIPT = Path(__file__).with_name("page.js")
KEEPALIVE_SECONDS = 10.0
MAX_BODY = 4096


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, session: Session, stop: threading.Event):
        self.session, self.stop = session, stop
        super().__init__((HOST, port), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # noqa: A002 - the terminal shows rebuilds only
        pass

    def _host_ok(self) -> bool:
        """Answer only requests addressed to this server (no other site's name resolving here)."""
        host = self.headers.get("Host", "")
        if host in (f"{HOST}:{self.server.port}", f"localhost:{self.server.port}"):
            return True
        self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain; charset=utf-8")
        return False

    def do_GET(self) -> None:  # noqa: N802
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0]
        session = self.server.session
        if path == "/":
            self._send(HTTPStatus.OK, PAGE.read_bytes(), "text/html; charset=utf-8")
        elif path == "/page.js":
            self._send(HTTPStatus.OK, SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
        elif path == "/state":
            self._json(session.snapshot())
        elif path == "/events":
            self._events()
        elif path.startswith("/pages/"):
            image = session.images.get(path[len("/pages/"):])
            if image is None:
                self._send(HTTPStatus.NOT_FOUND, b"no such page image\n", "text/plain; charset=utf-8")
            else:  # named by the digest of its pixels: never another image at this address
                self._send(HTTPStatus.OK, image, "image/png", cache="public, max-age=31536000, immutable")
        elif path == "/edition.pdf":
            pdf = session.pdf
            if pdf is None:
                self._send(HTTPStatus.NOT_FOUND, b"no pages yet\n", "text/plain; charset=utf-8")
            else:
                self._send(HTTPStatus.OK, pdf, "application/pdf")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return
        if self.path != "/select" or self.headers.get_content_type() != "application/json":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(min(length, MAX_BODY)) if 0 < length <= MAX_BODY else b"")
            stem = body["stem"]
        except (ValueError, KeyError, TypeError):
            self._send(HTTPStatus.BAD_REQUEST, b"expected {\"stem\": ...}\n", "text/plain; charset=utf-8")
            return
        if not isinstance(stem, str) or not self.server.session.select(stem):
            self._send(HTTPStatus.NOT_FOUND, b"no such edition\n", "text/plain; charset=utf-8")
            return
        self._json({"stem": stem})

    def _events(self) -> None:
        """Server-sent events: the state now, then each time it changes; comments keep it open."""
        session, stop = self.server.session, self.server.stop
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = None
        try:
            while not stop.is_set():
                if seen is None or session.wait(seen, KEEPALIVE_SECONDS):
                    if stop.is_set():
                        break
                    state = session.snapshot()
                    seen = state["version"]
                    data = json.dumps(state, ensure_ascii=True)
                    self.wfile.write(f"event: state\ndata: {data}\n\n".encode("ascii"))
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def _json(self, value) -> None:
        self._send(HTTPStatus.OK, json.dumps(value, ensure_ascii=True).encode("ascii"),
                   "application/json", cache="no-store")

    def _send(self, status: HTTPStatus, body: bytes, kind: str, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        if kind.startswith("text/html"):
            self.send_header("Content-Security-Policy",
                             "default-src 'self'; script-src 'self'; "
                             "style-src 'self' 'unsafe-inline'; img-src 'self'; object-src 'none'")
        self.end_headers()
        self.wfile.write(body)
