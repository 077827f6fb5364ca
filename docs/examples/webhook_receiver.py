"""A validateUserUpdated receiver: verifies Fitmate's call with the Standard Webhooks
library and signs its answer the same way.

Run:  pip install standardwebhooks==1.1.0
      FITMATE_WEBHOOK_SECRET=whsec_... python3 docs/examples/webhook_receiver.py 8099
with the secret `fitmate projects create clinic --validation-webhook http://127.0.0.1:8099/`
printed (or `fitmate projects rotate-webhook-secret clinic` made).

It rejects a bio that mentions "spam" and approves everything else; replace `decide` with
your own rules.
"""
import json
import os
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# The library reads `whsec_<base64>` secrets as Fitmate makes them.
WEBHOOK = Webhook(os.environ["FITMATE_WEBHOOK_SECRET"])


def decide(event: dict) -> dict:
    bio = event["data"].get("bio", "")
    if "spam" in bio.lower():
        return {"valid": False, "message": "The bio may not advertise"}
    return {"valid": True}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            # Checks webhook-signature against webhook-id, webhook-timestamp and the body,
            # and refuses a timestamp more than 5 minutes off (a replayed call).
            event = WEBHOOK.verify(body, dict(self.headers))
        except WebhookVerificationError:
            self.send_response(401)
            self.end_headers()
            return
        if event.get("event") != "validateUserUpdated":
            self.send_response(400)
            self.end_headers()
            return
        answer = json.dumps(decide(event))
        # Sign the exact answer with the call's id and timestamp: Fitmate accepts it for
        # this call only.
        sent_at = datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), tz=timezone.utc)
        signature = WEBHOOK.sign(self.headers["webhook-id"], sent_at, answer)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("webhook-response-signature", signature)
        self.send_header("Content-Length", str(len(answer.encode())))
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass  # the body holds patient data: keep it out of logs


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8099
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
