"""newswatch's use cases, shared by the command line and the flows: each opens its transactions
on a ``Database`` and returns domain records or typed rows, never ORM objects.

``storing`` (classified articles and their events), ``alerting`` (the alert outbox),
``feed_health`` (feed polls and operator notices), ``digests`` (a period's digest),
``monitoring`` (what a monitor cycle reads: feeds due, validators, new items), ``reporting``
(what the HTML report shows), ``browse`` (what the list commands show), ``muting`` (mutes),
``evaluation`` (a labelled corpus measured), ``channels`` (where notifications go) and
``maintenance`` (schema upgrades, a database refusing writes).
"""

from newswatch.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
