"""Adopting an existing FastAPI repository: `fastapi-stackops init` reads the app and writes what the workflow needs.

reading.py finds what the repository says about itself (pure, each finding
with its source); routes.py asks the built image for the app's real routes;
scaffold.py writes the setup from the findings; writing.py applies it to the
repository without overwriting anything unasked; init.py runs the whole.
"""
