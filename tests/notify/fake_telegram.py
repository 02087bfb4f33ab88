"""A local server speaking the Telegram Bot API's HTTP protocol, for the bot's tests.

``http.server`` in a thread on 127.0.0.1: ``POST /bot<token>/<method>`` with a JSON body, answers
in the API's shape (``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …,
"description": …, "parameters": {"retry_after": n}}``). It implements sendMessage, getUpdates
(from a queue the test fills), setWebhook and getMe, checks the token, records every message sent,
and can answer the next sendMessage calls with 429.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN-secret") -> None:
        self.token = token
        self.sent: list[dict[str, Any]] = []  # sendMessage payloads accepted, with "at"
        self.calls: list[str] = []  # method names, in order
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.too_many = 0  # answer this many next sendMessage calls with 429
        self.retry_after = 1
        self.next_update_id = 1000
        self.next_message_id = 1
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    params = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    params = {}
                status, answer = fake.answer(self.path, params)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def push(self, chat_id: int, text: str, *, chat_type: str = "private") -> None:
        """A message a person writes to the bot, waiting in getUpdates."""
        with self.lock:
            self.next_update_id += 1
            self.updates.append(
                {
                    "update_id": self.next_update_id,
                    "message": {
                        "message_id": self.next_update_id,
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": chat_type},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Тест"},
                        "text": text,
                    },
                }
            )

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if m["chat_id"] == chat_id]

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        with self.lock:
            self.calls.append(method)
            if method == "getMe":
                return 200, {
                    "ok": True,
                    "result": {
                        "id": 1,
                        "is_bot": True,
                        "first_name": "Маршрут",
                        "username": "m_bot",
                    },
                }
            if method == "setWebhook":
                self.webhook = params
                return 200, {"ok": True, "result": True, "description": "Webhook was set"}
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": list(self.updates)}
            if method == "sendMessage":
                if self.too_many > 0:
                    self.too_many -= 1
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {self.retry_after}",
                        "parameters": {"retry_after": self.retry_after},
                    }
                if not params.get("chat_id") or not params.get("text"):
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
                self.sent.append({**params, "at": time.monotonic()})
                self.next_message_id += 1
                return 200, {
                    "ok": True,
                    "result": {
                        "message_id": self.next_message_id,
                        "date": int(time.time()),
                        "chat": {"id": params["chat_id"], "type": "private"},
                        "text": params["text"],
                    },
                }
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
