"""Small JPEG thumbnails of the ledger's photos, for results and web maps.

The project keeps full photos; a result carries only thumbnails (at most
``THUMB_PX`` on the long side) so web-map popups can show them offline without
making the page heavy.
"""

from __future__ import annotations

import base64
import io

import pandas as pd
from PIL import Image, UnidentifiedImageError

THUMB_PX = 320
PHOTO_COLUMNS = ["point_id", "name", "media_type", "jpeg_base64"]


def jpeg_thumbnail(data: bytes, size: int = THUMB_PX) -> bytes | None:
    """*data* as a JPEG of at most *size* px; None when no image reader knows it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return out.getvalue()


def live_photo_thumbnails(project) -> pd.DataFrame:
    """Thumbnails of every photo of the live (not deleted) points, oldest first."""
    rows = []
    for point_id in map(str, project.points()["id"]):
        for photo in project.photos(point_id):
            thumb = jpeg_thumbnail(photo.data)
            if thumb is not None:
                text = base64.b64encode(thumb).decode()
                rows.append([point_id, photo.name, "image/jpeg", text])
    return pd.DataFrame(rows, columns=PHOTO_COLUMNS)
