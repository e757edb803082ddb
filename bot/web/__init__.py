"""The HTTP side of `serve`: provider webhooks, health, and (later) the dashboard."""
