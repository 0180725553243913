"""What a generation may ask for: durations and ratios, defined once.

Every default and bound of a generation request lives here; serializers, models,
providers and the demo renderer import them.
"""

from __future__ import annotations

MIN_DURATION_SECONDS = 2
MAX_DURATION_SECONDS = 10
DEFAULT_DURATION_SECONDS = 4

DEFAULT_RATIO = "1280:720"
#: RunwayML's text_to_video ratios (pixel strings) we offer.
RATIOS = ("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672")

MAX_SEED = 4_294_967_295
