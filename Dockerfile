# grunndata as a container: `docker compose up` runs it beside PostGIS (see docker-compose.yml).
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY grunndata ./grunndata
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && useradd --system --no-create-home --shell /usr/sbin/nologin grunndata

USER grunndata
EXPOSE 8000
CMD ["grunndata", "serve", "--host", "0.0.0.0", "--port", "8000"]
