"""``{{ text|gallery_excerpt }}``: a gallery card's excerpt (``dreams.excerpts``), for
templates that print a dream rather than a card prepared by ``dreams.cards``."""

from __future__ import annotations

from django import template

from dreams.excerpts import GALLERY_CARD_CHARS, excerpt

register = template.Library()


@register.filter
def gallery_excerpt(text: object) -> str:
    return excerpt(text, GALLERY_CARD_CHARS)
