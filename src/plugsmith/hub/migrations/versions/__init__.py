"""Migration scripts, one linear chain: 0001 -> 0002 -> ... (see docs/hub.md)."""
