"""fastapi_stackops/adopt/environment_reads.py: the variables a line of the app's code reads, as an import failure
points at it."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.environment_reads import reads_on


@pytest.mark.parametrize(
    ("line", "reads"),
    [
        ('MAIL_PORT: int = int(os.getenv("MAIL_PORT"))', {"MAIL_PORT"}),
        ('        access_token_expire_minutes=int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES")),', {"ACCESS_TOKEN_EXPIRE_MINUTES"}),
        # zamaniamin/fastapi-shop: a call's last keyword closing the call; the line did not parse, and init, learning
        # nothing, stopped on "int() argument must be ... not 'NoneType'".
        ('        otp_expire_seconds=int(os.getenv("OTP_EXPIRE_SECONDS")), )', {"OTP_EXPIRE_SECONDS"}),
        ('PORT = int(os.getenv("PORT", "8000"))', set()),  # a default: not this one
        ("config = Model(", set()),
        (")", set()),
    ],
)
def test_the_variables_a_line_reads_with_no_default(line, reads):
    assert reads_on(line) == reads
