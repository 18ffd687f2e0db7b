# SPDX-License-Identifier: Apache-2.0
"""TAXII 2.1 exchange with taxii2-client: publish a bundle to a collection, poll one.

Credentials come from THREATBRIEF_TAXII_USER and THREATBRIEF_TAXII_PASSWORD, never from
files. Polling reads the collection's manifest first, for the newest `date_added`, then the
objects added after the stored bookmark: an object added in between is read twice (imports are
idempotent), never missed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import requests
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from .errors import ShareError

__all__ = ["collection", "fetch_new", "publish"]

PAGE = 100


def collection(api_root: str, collection_id: str, environ: Mapping[str, str]) -> Collection:
    """A taxii2-client collection at `api_root`, with credentials from the environment."""
    if not api_root.startswith(("https://", "http://")):
        raise ShareError(f"the TAXII address must be http(s), not {api_root!r}")
    url = f"{api_root.rstrip('/')}/collections/{collection_id}/"
    return Collection(
        url,
        user=environ.get("THREATBRIEF_TAXII_USER") or None,
        password=environ.get("THREATBRIEF_TAXII_PASSWORD") or None,
    )


def _failure(action: str, exc: Exception) -> ShareError:
    return ShareError(f"TAXII {action} failed: {' '.join(str(exc).split())[:300]}")


def publish(target: Collection, bundle: Mapping[str, Any], timeout: float = 60) -> str:
    """Add a bundle's objects to the collection; returns the server's status.

    Raises:
        ShareError: the server refused or failed, or did not finish within `timeout`.
    """
    envelope = {"objects": list(bundle["objects"])}
    try:
        status = target.add_objects(
            json.dumps(envelope), wait_for_completion=True, poll_interval=0.2, timeout=timeout
        )
    except (TAXIIServiceException, requests.RequestException) as exc:
        raise _failure("publish", exc) from exc
    if status.failure_count:
        raise ShareError(
            f"TAXII publish: the server refused {status.failure_count} object(s)",
            [f"{f.get('id')}: {f.get('message', '')}" for f in status.failures or []],
        )
    return f"{status.status}: {status.success_count} added"


def fetch_new(target: Collection, added_after: str | None) -> tuple[dict[str, Any], str | None]:
    """The objects added after the bookmark, as one bundle, and the next bookmark.

    Raises:
        ShareError: the server refused or failed.
    """
    params = {"added_after": added_after} if added_after else {}
    newest = added_after
    objects: list[Any] = []
    try:
        for page in as_pages(target.get_manifest, per_request=PAGE, **params):
            for record in page.get("objects", []):
                if newest is None or record["date_added"] > newest:
                    newest = record["date_added"]
        for page in as_pages(target.get_objects, per_request=PAGE, **params):
            objects += page.get("objects", [])
    except (TAXIIServiceException, requests.RequestException) as exc:
        raise _failure("poll", exc) from exc
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, newest
