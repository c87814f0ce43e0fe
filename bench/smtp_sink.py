"""A small SMTP server on 127.0.0.1 that keeps every message, and can fail on purpose.

It runs an asyncio loop in a background thread of the calling process. Three modes:

- ``accept``: a plain SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps
  each message it is given;
- ``refuse``: it answers every connection with ``421 Service not available`` and hangs up,
  as a mail server does when it is overloaded or shutting down;
- ``down``: nothing listens on the port, so connections are refused.

    with SmtpSink() as sink:          # accepting, on a free port
        sink.set_mode("refuse")
        ...
        sink.set_mode("accept")
        sink.messages                 # [Message(...)]
"""

import asyncio
import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

HOST = "127.0.0.1"
MODES = ("accept", "refuse", "down")
MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class Message:
    """One message as the server received it."""

    received_at: float
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    digest: str  # of the whole message without the headers that differ per delivery

    def key(self) -> tuple:
        """What makes two messages the same email delivered twice."""
        return (self.recipients, self.subject, self.digest)


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=1` → `a@b`."""
    value = argument.split(":", 1)[1].strip() if ":" in argument else argument
    if value.startswith("<"):
        value = value[1 : value.find(">")]
    return value.strip().lower()


def _parse(data: bytes, mail_from: str, recipients: list[str]) -> Message:
    message = BytesParser(policy=policy.default).parsebytes(data)
    # Message-ID and Date are made afresh at each attempt; the rest is the email itself.
    for header in ("Message-ID", "Date"):
        del message[header]
    digest = hashlib.sha256(message.as_bytes()).hexdigest()[:16]
    return Message(
        received_at=time.time(),
        mail_from=mail_from,
        recipients=tuple(sorted(recipients)),
        subject=str(message.get("Subject", "")),
        digest=digest,
    )


class SmtpSink:
    """An SMTP server in a background thread; see the module docstring."""

    def __init__(self, port: int = 0):
        self.port = port
        self.mode = "down"
        self._messages: list[Message] = []
        self._refused = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # Life cycle ---------------------------------------------------------------------------

    def start(self, mode: str = "accept") -> "SmtpSink":
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.call_soon(ready.set)
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="smtp-sink", daemon=True)
        self._thread.start()
        ready.wait(5)
        self.set_mode(mode)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._close_server())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def set_mode(self, mode: str) -> None:
        """Switch to accept, refuse or down; the port stays the same."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode == "down":
            self._call(self._close_server())
        elif self._server is None:
            self._call(self._open_server())
        self.mode = mode

    @property
    def url(self) -> str:
        """EMAIL_URL for the site (coachhouse/env.py): plain SMTP, no TLS, 5 s timeout."""
        return f"smtp://{HOST}:{self.port}?tls=0&timeout=5"

    # What it received ---------------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    @property
    def refused(self) -> int:
        """Connections answered with 421 in the refuse mode."""
        with self._lock:
            return self._refused

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._refused = 0

    # The server ---------------------------------------------------------------------------

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _open_server(self) -> None:
        self._server = await asyncio.start_server(
            self._session, HOST, self.port, reuse_address=True, limit=MAX_LINE
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_server(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Connections already open finish their conversation; new ones are refused.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            if self.mode != "accept":
                with self._lock:
                    self._refused += 1
                await self._reply(writer, "421 4.3.2 Service not available, closing channel")
                return
            await self._conversation(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, line: str) -> None:
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    async def _conversation(self, reader, writer) -> None:
        await self._reply(writer, "220 sink.load.test ESMTP ready")
        mail_from, recipients = "", []
        while True:
            raw = await reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                await self._reply(writer, "250-sink.load.test\r\n250-8BITMIME\r\n250 SMTPUTF8")
            elif verb == "HELO":
                await self._reply(writer, "250 sink.load.test")
            elif verb == "MAIL":
                mail_from, recipients = _address(argument), []
                await self._reply(writer, "250 2.1.0 OK")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                await self._reply(writer, "250 2.1.5 OK")
            elif verb == "DATA":
                if not recipients:
                    await self._reply(writer, "503 5.5.1 RCPT first")
                    continue
                await self._reply(writer, "354 End data with <CR><LF>.<CR><LF>")
                data = await self._read_data(reader)
                message = _parse(data, mail_from, recipients)
                with self._lock:
                    self._messages.append(message)
                mail_from, recipients = "", []
                await self._reply(writer, "250 2.0.0 OK queued")
            elif verb == "RSET":
                mail_from, recipients = "", []
                await self._reply(writer, "250 2.0.0 OK")
            elif verb == "NOOP":
                await self._reply(writer, "250 2.0.0 OK")
            elif verb == "QUIT":
                await self._reply(writer, "221 2.0.0 Bye")
                return
            else:
                await self._reply(writer, "502 5.5.2 Command not implemented")

    @staticmethod
    async def _read_data(reader: asyncio.StreamReader) -> bytes:
        lines = []
        while True:
            raw = await reader.readline()
            if not raw:
                raise asyncio.IncompleteReadError(b"", None)
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
