"""Storage of the registry and accounts: SQLAlchemy models, migrations and queries."""
