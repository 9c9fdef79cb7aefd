# Image for web (gunicorn), worker and beat; docker-compose.yml runs the three with PostgreSQL and Redis.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/governance
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first (the versions of requirements.lock), so that code changes do not reinstall them.
COPY pyproject.toml ./
COPY requirements.lock ./
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
RUN SECRET_KEY=build-only PII_ENCRYPTION_KEYS=YnVpbGQtb25seS1waWkta2V5LWNvbGxlY3RzdGF0aWM= PII_INDEX_KEY=build-only \
    python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "governance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--access-logfile", "-"]
