"""A tiny SMTP server for tests: speaks the real protocol (RFC 5321) on 127.0.0.1.

``smtpd`` left the standard library in 3.12, so this is a few dozen lines of asyncio in a thread.
Every accepted message is appended to ``messages`` (as parsed ``email.message.Message``). A test
may make the server hold its reply to the end of DATA for the n-th message (``hold_at``): the
message is then received in full but not confirmed — the window a sender killed mid-send leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import threading
from email.message import Message


class SMTPServer:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.hold_at: int | None = None  # 1-based: hold the reply to this message's DATA
        self.received = threading.Event()  # set after each message is fully received
        self.held = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(
                asyncio.start_server(self._session, "127.0.0.1", 0)
            )
            self.port = server.sockets[0].getsockname()[1]
            self.server = server
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(5)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        say("220 test.local ESMTP")
        sender, rcpts = "", []
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode(errors="replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    say("250-test.local")
                    say("250 8BITMIME")
                elif verb == "MAIL":
                    sender, rcpts = line.split(":", 1)[1].strip(" <>"), []
                    say("250 OK")
                elif verb == "RCPT":
                    rcpts.append(line.split(":", 1)[1].strip(" <>"))
                    say("250 OK")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    chunks = []
                    while True:
                        data = await reader.readline()
                        if data in (b".\r\n", b".\n", b""):
                            break
                        chunks.append(data[1:] if data.startswith(b"..") else data)
                    message = email.message_from_bytes(
                        b"".join(chunks), policy=email.policy.default
                    )
                    self.messages.append(message)
                    self.envelopes.append((sender, rcpts))
                    self.received.set()
                    if self.hold_at is not None and len(self.messages) == self.hold_at:
                        self.held.set()
                        await asyncio.sleep(3600)  # never confirm: the client is killed meanwhile
                    say("250 OK: queued")
                elif verb == "RSET" or verb == "NOOP":
                    say("250 OK")
                elif verb == "QUIT":
                    say("221 Bye")
                    await writer.drain()
                    break
                else:
                    say("502 Command not implemented")
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):
                writer.close()

    async def _shutdown(self) -> None:
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.loop.stop()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
        self.thread.join(5)
