# SPDX-License-Identifier: Apache-2.0
"""threatbrief: public cybersecurity advisories in, bilateral threat briefs out.

```
feeds.yaml ─► fetch ─► parse ─► store ◄─► tag
                                  │
                     ┌────────────┼──────────────┐
                   brief        digest        share
```
`pipeline` is the only module that chains the stages; `cli` and `schedule` call `pipeline`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
