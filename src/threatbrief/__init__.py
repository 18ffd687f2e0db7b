# SPDX-License-Identifier: Apache-2.0
"""threatbrief: public cybersecurity advisories in, bilateral threat briefs out.

```
feeds.yaml ─► ingest (fetch, parse) ─► tag ─► store ─► brief ─► render
                                                 │
                                                 ├─► digest (build, message, smtp)
                                                 └─► share  (STIX 2.1, TLP 2.0, MISP, TAXII)
```
Stage packages import only the ground floor (`models`, `vocab`, `errors`) and their own
modules. `pipeline/` is the only package that chains stages and touches the store's tables;
the faces, `cli/` and `schedule/`, parse input, call `pipeline` and present the result.
docs/design.md draws the house; tests/test_architecture.py enforces it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
