"""A validateUserUpdated receiver: verifies Fitmate's call and signs its answer.

Run:  FITMATE_WEBHOOK_SECRET=... python3 docs/examples/webhook_receiver.py 8099
then: fitmate projects create clinic --validation-webhook http://127.0.0.1:8099/ --webhook-secret ...

Python 3.8+ standard library only. It rejects a bio that mentions "spam" and approves
everything else; replace `decide` with your own rules.
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["FITMATE_WEBHOOK_SECRET"].encode()
MAX_AGE_MS = 5 * 60 * 1000  # refuse calls older than 5 minutes (replays)


def sign(timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>", the scheme of both directions."""
    return hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def decide(event: dict) -> dict:
    bio = event["data"].get("bio", "")
    if "spam" in bio.lower():
        return {"valid": False, "message": "The bio may not advertise"}
    return {"valid": True}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        timestamp = self.headers.get("X-Timestamp", "")
        signature = self.headers.get("X-Signature", "")
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < MAX_AGE_MS
        # compare_digest compares in constant time.
        if not fresh or not hmac.compare_digest(sign(timestamp, body), signature):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        if event.get("event") != "validateUserUpdated":
            self.send_response(400)
            self.end_headers()
            return
        answer = json.dumps(decide(event)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        # Sign the exact bytes sent, with the call's timestamp.
        self.send_header("X-Response-Signature", sign(timestamp, answer))
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass  # the body holds patient data: keep it out of logs


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8099
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
