# SPDX-License-Identifier: Apache-2.0
"""The tag stage: text in, attributions with evidence out (`tagger`), over a lexicon of
groups, states, sectors and countries (`lexicon`, `lexicon_import`); `classify` is the JSON
Lines face of the tagger, which spreads a large file over worker processes. Pure apart from
reading the packaged lexicon files and that pool."""

from .tagger import Tagger

__all__ = ["Tagger"]
