"""core.crypto: Fernet tokens at rest, clear errors for a bad or changed key."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from netbill.core.crypto import EncryptedTextField, Secret, decrypt, encrypt

OTHER_KEY = Fernet.generate_key().decode()


def test_round_trip():
    token = encrypt("router-p@ss")
    assert token != "router-p@ss"
    assert "router-p@ss" not in token
    assert decrypt(token) == "router-p@ss"


def test_token_is_a_fernet_token_under_the_configured_key(settings):
    token = encrypt("s3cret")
    assert Fernet(settings.FIELD_ENCRYPTION_KEY.encode()).decrypt(token.encode()) == b"s3cret"


def test_each_encryption_is_fresh():
    assert encrypt("same") != encrypt("same")


def test_unicode_round_trip():
    assert decrypt(encrypt("পাসওয়ার্ড-১২৩")) == "পাসওয়ার্ড-১২৩"


@pytest.mark.parametrize("key", ["short", "", "not base64 at all!!" * 3])
def test_a_malformed_key_is_a_configuration_error(settings, key):
    settings.FIELD_ENCRYPTION_KEY = key
    with pytest.raises(ImproperlyConfigured, match="must be a Fernet key"):
        encrypt("x")


def test_a_changed_key_is_a_configuration_error(settings):
    token = encrypt("x")
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY has changed"):
        decrypt(token)


def test_a_tampered_token_is_refused():
    token = encrypt("x")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(ImproperlyConfigured):
        decrypt(tampered)


def test_secret_hides_its_value_in_repr_but_not_in_use():
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('********')"
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in f"{secret!r}"
    assert "hunter2" not in repr({"password": secret})
    assert secret == "hunter2"
    assert str(secret) == "hunter2"
    assert isinstance(secret, str)


def test_field_stores_a_token_and_gives_back_a_secret():
    field = EncryptedTextField()
    stored = field.get_prep_value("api-key-123")
    assert stored != "api-key-123"
    assert decrypt(stored) == "api-key-123"
    value = field.from_db_value(stored, None, None)
    assert isinstance(value, Secret)
    assert value == "api-key-123"
    assert repr(value) == "Secret('********')"


def test_field_re_encrypts_a_value_read_back():
    field = EncryptedTextField()
    value = field.from_db_value(field.get_prep_value("p"), None, None)
    again = field.get_prep_value(value)
    assert decrypt(again) == "p"


@pytest.mark.parametrize("empty", [None, ""])
def test_field_leaves_empty_values_alone(empty):
    field = EncryptedTextField()
    assert field.get_prep_value(empty) == empty
    assert field.from_db_value(empty, None, None) == empty


def test_field_to_python_does_not_decrypt():
    assert EncryptedTextField().to_python("plain") == "plain"
