"""The reference service's own smoke hook, named in pyproject.toml: a note created, read and deleted."""

import uuid

import requests


def notes_round_trip(url: str) -> str:
    title = f"smoke {uuid.uuid4().hex[:8]}"
    created = requests.post(f"{url}/api/v1/notes", json={"title": title, "body": "smoke"}, timeout=10)
    assert created.status_code == 201, f"POST /api/v1/notes answered {created.status_code}: {created.text[:200]}"
    note_id = created.json()["id"]
    read = requests.get(f"{url}/api/v1/notes/{note_id}", timeout=10)
    assert read.status_code == 200 and read.json()["title"] == title, f"note {note_id} read back as {read.text[:200]}"
    deleted = requests.delete(f"{url}/api/v1/notes/{note_id}", timeout=10)
    assert deleted.status_code == 204, f"DELETE answered {deleted.status_code}"
    assert requests.get(f"{url}/api/v1/notes/{note_id}", timeout=10).status_code == 404, "the deleted note is still there"
    return f"note {note_id} created, read, deleted"
