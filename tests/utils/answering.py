"""A stand-in HTTP service for unit tests: each request answered with a status and a JSON body, quietly."""

from __future__ import annotations

import http.server
import json


class JSONAnswering(http.server.BaseHTTPRequestHandler):
    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass
