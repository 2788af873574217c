"""From the user's requirements to a Lock resolved for the target (uv)."""
