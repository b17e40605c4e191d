"""A small real SMTP server for tests: accepts, or refuses on a script, over TCP."""

import email
import socket
import socketserver
import threading
import time


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        sink = self.server.sink
        with sink.lock:
            sink.connections += 1
        self._reply("220 sink.test ESMTP")
        lines: list[bytes] = []
        in_data = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    time.sleep(sink.data_delay)
                    self._reply(sink.accept(b"".join(lines)))
                    lines = []
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].decode("ascii", "replace").upper()
            if verb == "EHLO":
                self._reply("250-sink.test")
                self._reply("250 8BITMIME")
            elif verb in ("HELO", "MAIL", "RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "RCPT":
                self._reply(sink.rcpt_reply())
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                in_data = True
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SMTPSink:
    """Listen on 127.0.0.1:<port>. ``refusals`` is a list of RCPT replies used one per
    message (e.g. ``"451 4.3.0 Try later"``), then messages are accepted and kept in
    ``messages``. ``stop()`` and ``start()`` make connections refused and back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refusals: list[str] = []
        self.messages: list[email.message.Message] = []
        self.connections = 0
        self.data_delay = 0.0
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._server = None

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.sink = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def rcpt_reply(self) -> str:
        with self.lock:
            return self.refusals.pop(0) if self.refusals else "250 OK"

    def accept(self, raw: bytes) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(raw))
        return "250 OK queued"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]
