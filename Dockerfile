FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && python manage.py compiletranslations -v0
# Static files are collected by docker-compose.yml's `migrate` service into the
# shared volume (SAMMEN_VAR_DIR=/data), where nginx serves them.
EXPOSE 8000 8001
CMD ["gunicorn", "-w", "2", "-b", "0.0.0.0:8000", "sammen.wsgi:application"]
