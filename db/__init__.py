"""What has happened: check-ins, reviews, evidence and the audit trail, in SQLite or PostgreSQL.

Nothing outside this package writes SQL. Importing the package is cheap; the modules import
SQLAlchemy themselves.
"""
