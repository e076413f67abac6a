"""The SLA engine: working-day calendars and deadlines. Pure Python: no Flask, no SQLAlchemy."""
