"""A journey through the Python client generated from openapi/openapi.json:
sign in, create a patient, read it back, and find it by search.

Run by `cargo xtask test` against a freshly started server; the client is generated with
openapi-python-client into the build directory and imported from there.
"""

import datetime
import os
import sys

from carebase_api_client import AuthenticatedClient, Client
from carebase_api_client.api.auth import login
from carebase_api_client.api.patients import create_patient, get_patient, list_patients
from carebase_api_client.models import LoginRequest, PatientInput


def main() -> int:
    url = os.environ["CAREBASE_URL"]
    email = os.environ["CAREBASE_EMAIL"]
    password = os.environ["CAREBASE_PASSWORD"]

    signed_in = login.sync_detailed(
        client=Client(base_url=url), body=LoginRequest(email=email, password=password)
    )
    assert signed_in.status_code == 200, signed_in.content
    token = signed_in.parsed.access_token
    client = AuthenticatedClient(base_url=url, token=token)

    created = create_patient.sync_detailed(
        client=client,
        body=PatientInput(
            first_name="Winifred",
            last_name="Ashcombe",
            date_of_birth=datetime.date(1961, 4, 9),
            email="winifred.ashcombe@example.com",
        ),
    )
    assert created.status_code == 201, created.content
    patient_id = created.parsed.id

    read = get_patient.sync_detailed(client=client, id=patient_id)
    assert read.status_code == 200, read.content
    assert read.parsed.first_name == "Winifred"
    assert read.parsed.date_of_birth == datetime.date(1961, 4, 9)

    found = list_patients.sync_detailed(client=client, q="ashc")
    assert found.status_code == 200, found.content
    assert found.parsed.total == 1
    assert found.parsed.items[0].id == patient_id

    print("generated client journey: signed in, created, read and found a patient")
    return 0


if __name__ == "__main__":
    sys.exit(main())
