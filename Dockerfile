# Production image: one image, three roles (web, worker, beat) chosen by the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NOCTURN_ENV=production
WORKDIR /app

# OCR needs no system package: RapidOCR's models come inside its wheel (requirements-nodeps.txt). For
# OCR_ENGINE=tesseract add `apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-msa`.
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt

COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app nocturn && chown -R nocturn /app
USER nocturn

EXPOSE 8000
# --http-timeout: an HTTP request still unanswered after 60 s gets daphne's 503 (docs/security.md)
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--http-timeout", "60", "nocturn.asgi:application"]
