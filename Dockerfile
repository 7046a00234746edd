# Línea Segura: one image for the web app (default) and the RQ worker (`python worker.py`).
#   docker build -t linea-segura .
#   docker run --env-file .env -p 8000:8000 linea-segura              # web (gunicorn)
#   docker run --env-file .env linea-segura python worker.py          # worker
# Configuration comes only from environment variables (see .env.example); nothing secret is baked in.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first so that code changes do not reinstall them. lingua-language-detector ships a
# binary (manylinux) wheel, so no compiler is needed.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# Only what runs: the package, the flows and translations it validates at start-up, and the entry points.
COPY bot/ ./bot/
COPY flows/ ./flows/
COPY translations/ ./translations/
# The labelled messages the editor's safety gate replays before a flow is published.
COPY tests/data/ ./tests/data/
COPY wsgi.py worker.py ./
# The intent models are trained once, here, into a read-only cache every container reads at start-up.
RUN python -m compileall -q bot wsgi.py worker.py \
    && python -c "from bot.understanding.intent_model import load; load('/usr/local/share/linea/models')" \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent linea \
    && install -d -o linea -g linea -m 700 /var/spool/linea
ENV LINE_SPOOL_DIR=/var/spool/linea \
    LINE_MODEL_CACHE=/usr/local/share/linea/models

USER linea

EXPOSE 8000

# 200 when Redis answers, 503 otherwise (urlopen raises on 503). No curl in the slim image.
# The worker has no HTTP server: compose.yaml disables this check for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--timeout", "20", \
     "--access-logfile", "-", "wsgi:app"]
