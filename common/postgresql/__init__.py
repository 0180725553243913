"""Django's PostgreSQL backend with a cheaper health check (``common.postgresql.base``)."""
