"""API keys: `manage.py api_key create | list | revoke`, stored hashed, in the admin."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from images.models import ApiKey, secret_digest

pytestmark = pytest.mark.django_db(transaction=True)

KEY = re.compile(r"^lg_[0-9a-f]{12}_[\w-]{43}$")


def api_key(*args) -> tuple[str, str]:
    """Run `manage.py api_key …`; its stdout and stderr."""
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_once_and_stores_only_its_digest():
    out, err = api_key("create", "ci-runner")

    key = out.strip()
    assert KEY.match(key)
    assert "only time" in err and key not in err
    stored = ApiKey.objects.get(name="ci-runner")
    assert stored.digest == secret_digest(key)
    assert key not in str(vars(stored))
    assert ApiKey.find(key) == stored


def test_list_shows_names_and_prefixes_never_keys():
    key = api_key("create", "laptop")[0].strip()
    api_key("create", "phone")
    api_key("revoke", "phone")

    out, _ = api_key("list")

    assert key not in out
    laptop, phone = out.splitlines()
    assert laptop.startswith("laptop\tlg_") and laptop.endswith("active")
    assert phone.startswith("phone\tlg_") and "revoked" in phone


def test_revoke_stops_a_key_at_once():
    key = api_key("create", "old")[0].strip()

    api_key("revoke", "old")

    assert ApiKey.find(key) is None


def test_a_revoked_name_may_be_used_again_but_not_an_active_one():
    api_key("create", "runner")
    with pytest.raises(CommandError, match="already named"):
        api_key("create", "runner")

    api_key("revoke", "runner")
    api_key("create", "runner")

    assert ApiKey.objects.filter(name="runner").count() == 2


def test_revoking_an_unknown_name_is_an_error():
    with pytest.raises(CommandError, match="No active key"):
        api_key("revoke", "nobody")


@pytest.mark.parametrize(
    "tampered",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda key: "lg_000000000000_" + key.split("_", 2)[2],  # wrong prefix
        lambda key: key.split("_", 2)[0] + "_" + key.split("_", 2)[1],  # no secret
        lambda key: "",
        lambda key: "Bearer " + key,
    ],
    ids=["wrong-secret", "wrong-prefix", "no-secret", "empty", "garbage"],
)
def test_anything_but_the_exact_key_is_no_key(tampered):
    key = api_key("create", "exact")[0].strip()

    assert ApiKey.find(tampered(key)) is None


def test_the_admin_lists_and_revokes_keys_without_showing_them(client):
    key = api_key("create", "admin-listed")[0].strip()
    staff = get_user_model().objects.create_superuser("boss", password="pw-not-used-elsewhere")
    client.force_login(staff)

    listing = client.get("/admin/images/apikey/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "admin-listed" in html and key not in html
    assert client.get("/admin/images/apikey/add/").status_code == 403

    stored = ApiKey.objects.get(name="admin-listed")
    client.post(
        "/admin/images/apikey/",
        {"action": "revoke", "_selected_action": [stored.pk]},
    )

    assert ApiKey.find(key) is None
