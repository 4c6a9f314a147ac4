"""The Rasa assistant's own parts: FAQ retrieval core, Rasa graph components, importer."""
