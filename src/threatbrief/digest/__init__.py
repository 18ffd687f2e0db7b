# SPDX-License-Identifier: Apache-2.0
"""The digest stage: one subscriber's stories (`build`), the email that carries them
(`message`) and the SMTP sessions that deliver it (`smtp`). Only `smtp` does I/O (and
`message.write_eml`, the outbox folder)."""
