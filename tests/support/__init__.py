"""Real servers for the test suite: Redis, the Rasa server and the action server."""
