"""A journal as one ZIP file: its format, export and import (issue 14).

``layout`` is the format (names, manifest, a dream's JSON and Markdown); ``export`` writes
it, streamed or packed by the task worker into a download that expires; ``reading`` opens
an uploaded archive without trusting a byte of it; ``imports`` brings its dreams back.
"""
