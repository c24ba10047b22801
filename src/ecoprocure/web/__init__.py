"""The web application: a FastAPI app from a factory (``web.app.create_app``), one router per area
under ``web.api``, and the shared pieces (errors, responses, rate limits, parameters)."""
