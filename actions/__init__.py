"""Rasa SDK custom actions (run with `python -m rasa_sdk --actions actions`)."""
