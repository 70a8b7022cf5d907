FROM python:3.12-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN pip install --no-cache-dir . && python manage.py compilemessages --ignore=node_modules
RUN useradd --create-home gantian && chown -R gantian /app
USER gantian
