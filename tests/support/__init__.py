"""Test-only helpers (trackers of known shape); the shared stack lives in devstack/."""
