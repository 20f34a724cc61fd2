"""newswatch's storage layer: SQLAlchemy models, repository functions and migrations.

ORM objects stay inside this package; callers get the records of ``newswatch.records``.
"""
