FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sammen sammen
COPY accounts accounts
COPY groups groups
COPY posts posts
COPY moderation moderation
COPY scheduler scheduler
RUN pip install --no-cache-dir .
COPY . .
RUN python manage.py compiletranslations -v0 \
    && DEBUG=1 python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "sammen.asgi:application"]
