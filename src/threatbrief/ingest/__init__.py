# SPDX-License-Identifier: Apache-2.0
"""The ingest stage: fetch a feed under the address policy and limits (`fetch`), then read
its bytes as items (`parse`, with the text helpers of `_text`). `fetch` does the network I/O;
`parse` does none."""
