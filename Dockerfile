# DreamJourney web and worker image (used by docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# DejaVu fonts: the demo renderer's title cards (it falls back to Pillow's font without them).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DEBUG=true python manage.py collectstatic --noinput

RUN useradd --create-home dreamjourney && mkdir -p /app/var && chown -R dreamjourney /app/var
USER dreamjourney
EXPOSE 8000
CMD ["gunicorn", "dreamjourney.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
