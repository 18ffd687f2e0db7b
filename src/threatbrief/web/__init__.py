# SPDX-License-Identifier: Apache-2.0
"""The web workspace: a face beside `cli/` and `schedule/` that calls only `pipeline/`.

Flask renders server-side with the project's Jinja2 templates (`templates/web/`); cheroot
serves it, with TLS when given a certificate. Every page but `/login` needs a signed session,
every state-changing request is a POST with a CSRF token, and a strict Content-Security-Policy
forbids inline script. Each query runs at the user's TLP clearance.
"""

from .app import create_app

__all__ = ["create_app"]
