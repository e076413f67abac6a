"""The JSON API at /api/v1: tokens per integration, the web pages' access rules and verbs, OpenAPI from the code."""
