"""column_pii_types: flags from column names and from what most sampled values are."""

from __future__ import annotations

from lakelight.guard.columns import column_pii_types
from lakelight.guard.hints import column_hint
from lakelight.guard.pii import PiiDetector
from tests import chinook


def test_name_hints() -> None:
    assert column_hint("customer_email") == "EMAIL_ADDRESS"
    assert column_hint("FirstName") == "PERSON"
    assert column_hint("dob") == "DATE_OF_BIRTH"
    assert column_hint("ip_address") == "IP_ADDRESS"
    assert column_hint("user_email") == "EMAIL_ADDRESS"
    assert column_hint("host_ip") == "IP_ADDRESS"
    assert column_hint("company_phone2") == "PHONE_NUMBER"
    assert column_hint("MothersMaiden") == "PERSON"
    assert column_hint("name") == "PERSON?"
    for neutral in (
        "hostname",
        "address_id",
        "email_verified",
        "email_domain",
        "product_name",
        "file_name",
        "phone_type",
        "ip_country",
        "mac_address",
        "TelephoneCountryCode",
        "CCType",
        "customer_id",
    ):
        assert column_hint(neutral) is None, neutral


def test_identity_columns(detector: PiiDetector, identities: list[dict[str, str]]) -> None:
    columns = {name: [r[name] for r in identities] for name in identities[0]}
    flags = column_pii_types(columns, detector)
    assert flags["GivenName"] == "PERSON" and flags["Surname"] == "PERSON"
    assert flags["EmailAddress"] == "EMAIL_ADDRESS"
    assert flags["TelephoneNumber"] == "PHONE_NUMBER"
    assert flags["StreetAddress"] == "STREET_ADDRESS"
    assert flags["Birthday"] == "DATE_OF_BIRTH"
    assert flags["CCNumber"] == "CREDIT_CARD"
    assert flags["NationalID"] == "US_SSN"
    for neutral in ("Number", "Gender", "City", "Country", "Occupation", "Company", "Age"):
        assert neutral not in flags, neutral


def test_values_decide_for_neutral_names(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    flags = column_pii_types(
        {
            "c1": [r["EmailAddress"] for r in identities[:100]],
            "c2": [f"note {i}" for i in range(100)],
            "c3": [
                r["EmailAddress"] if i % 3 == 0 else "n/a" for i, r in enumerate(identities[:90])
            ],
            "c4": [],
            "name": [f"{r['GivenName']} {r['Surname']}" for r in identities[:100]],
        },
        detector,
    )
    assert flags == {"c1": "EMAIL_ADDRESS", "name": "PERSON"}


def test_chinook_tables(detector: PiiDetector) -> None:
    rows = [fields for _, fields in chinook.fixture()["customer"]]
    flags = column_pii_types({k: [r[k] for r in rows] for k in rows[0]}, detector)
    assert {k: flags.get(k) for k in ("firstname", "lastname", "email", "phone", "fax")} == {
        "firstname": "PERSON",
        "lastname": "PERSON",
        "email": "EMAIL_ADDRESS",
        "phone": "PHONE_NUMBER",
        "fax": "PHONE_NUMBER",
    }
    assert flags["address"] == "STREET_ADDRESS"
    for neutral in ("city", "state", "country", "company", "postalcode", "support_rep"):
        assert neutral not in flags, neutral
    tracks = [fields for _, fields in chinook.fixture()["track"]]
    flags = column_pii_types({"name": [t["name"] for t in tracks]}, detector)
    assert flags == {}  # song titles, not people
