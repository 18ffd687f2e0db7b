# SPDX-License-Identifier: Apache-2.0
"""The brief stage: stories from items (`stories`), the brief's model (`context`) and the
writing of its sections, judgements and conclusions (`write`). Pure: no I/O, no templates."""
