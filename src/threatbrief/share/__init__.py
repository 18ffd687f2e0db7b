# SPDX-License-Identifier: Apache-2.0
"""The share stage: a period as STIX 2.1 objects and a MISP event (`stix`), TLP 2.0 markings
(`markings`), partners' bundles read with TLP failing closed (`partner`), and TAXII 2.1
(`taxii`). stix2 and taxii2-client load only when a module here is imported."""
