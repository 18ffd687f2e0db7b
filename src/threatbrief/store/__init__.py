# SPDX-License-Identifier: Apache-2.0
"""The SQLite store: `db` opens and migrates it (`schema`, every migration in order) and
orders its writers; one module per table family holds the queries (`items`, `feeds`, `tags`,
`briefs`, `outbox`, `sharing`), sharing the helpers of `_sql`. Only `pipeline/` calls the
table modules; faces may open the database through `store.db`."""
