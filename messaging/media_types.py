"""Kept free of imports, and outside the whatsapp package (whose __init__ loads the adapter): settings
read it before Django is set up."""

# Meta's supported media types (Cloud API reference) that we are willing to store.
DEFAULT_MEDIA_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "video/mp4",
    "video/3gpp",
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
