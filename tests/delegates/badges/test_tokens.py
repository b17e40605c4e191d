import pytest

from delegates.badges.tokens import BadToken, key_from_token, new_key, token_for


def test_token_round_trip_returns_key():
    key = new_key()
    assert key_from_token(token_for(key)) == key


def test_token_typed_in_lower_case_with_spaces_is_accepted():
    key = new_key()
    typed = " ".join(token_for(key).lower().replace("-", ""))
    assert key_from_token(typed) == key


@pytest.mark.parametrize("position", [0, 5, 17, 32])
def test_token_with_one_character_changed_is_refused(position):
    token = token_for(new_key())
    swapped = "A" if token[position] != "A" else "B"
    tampered = token[:position] + swapped + token[position + 1 :]
    with pytest.raises(BadToken):
        key_from_token(tampered)


@pytest.mark.parametrize("value", ["", "12", "1" * 200, "<script>", "x" * 33])
def test_token_malformed_is_refused(value):
    with pytest.raises(BadToken):
        key_from_token(value)


def test_token_is_signed_with_the_secret_key(settings):
    key = new_key()
    token = token_for(key)
    settings.SECRET_KEY = "another-secret-key-for-another-site-0123456789"
    with pytest.raises(BadToken):
        key_from_token(token)
