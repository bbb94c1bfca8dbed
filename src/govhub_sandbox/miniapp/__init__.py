""""Tra cứu thửa đất": a separate web mini-app of the citizen app, its own
OpenID Connect client of govhub, calling the land registry through the integration hub.
Imports nothing from govhub and nothing from Django. See README.md."""
