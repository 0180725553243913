"""Dream storage: where a dream is written, and the emergency tier behind it.

* ``writer``: the one place that decides where a new dream goes (``dream_store``);
* ``journal``: the durable local journal for dreams written while the database is down;
* ``records``: journal records shown as (unsaved) dreams, for reads;
* ``replay``: moving journal records into their tables, exactly once.

docs/architecture.md ("Storage tiers") tells the whole story.
"""
