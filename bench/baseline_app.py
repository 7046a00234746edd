"""The bare baseline for bench/webhook.py: one Redis GET + SET and a fixed TwiML answer, nothing else."""
import os

import redis
from flask import Flask, Response, request

app = Flask(__name__)
client = redis.Redis.from_url(os.environ["REDIS_URL"])
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'


@app.post("/twilio/messages")
def messages() -> Response:
    key = "baseline:" + request.form.get("From", "")
    client.get(key)
    client.set(key, request.form.get("Body", ""), ex=86400)
    return Response(TWIML, mimetype="application/xml")
