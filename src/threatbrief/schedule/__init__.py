# SPDX-License-Identifier: Apache-2.0
"""The scheduler face of `threatbrief run`: APScheduler 3 wiring (`scheduler`) and the jobs it
runs (`jobs`), each one call into `pipeline`. It never imports the command line."""
