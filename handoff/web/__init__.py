"""Sanic adapters: the app, its HTTP routes in blueprints, and one error handler per kind."""
