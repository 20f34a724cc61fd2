"""newswatch's storage layer: SQLAlchemy models, one module of queries per aggregate (articles,
events, outbox, feeds, mutes, digests), the database handle and migrations.

ORM objects stay inside this package: its functions return the records of ``newswatch.model``
or the typed rows their modules define.
"""
