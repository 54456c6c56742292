"""Persistence, as this service proves it: an account signed up before a restart logs in after it."""

import requests


def sign_up_then_log_in(url: str, marker: str):
    account = {"username": f"user-{marker}", "password": f"secret-{marker}"}
    created = requests.post(f"{url}/api/v1/auth/signup", json=account, timeout=10)
    assert created.status_code == 201, f"sign-up answered {created.status_code}: {created.text[:200]}"

    def log_in(url_after_restart: str) -> None:
        answer = requests.post(f"{url_after_restart}/api/v1/auth/login", json=account, timeout=10)
        assert answer.status_code == 200 and answer.json().get("token"), f"log-in answered {answer.status_code}"

    return log_in
