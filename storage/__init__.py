"""newswatch's storage layer: SQLAlchemy models, repository functions and migrations.

ORM objects stay inside this package: repository functions return the records of
``newswatch.model``, small named tuples, or plain values and dicts.
"""
