"""The test-side MS-CHAPv2 computation matches the RFCs' own vectors."""

from .mschapv2 import md4, nt_response


def test_md4_matches_rfc_1320():
    assert md4(b"").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert md4(b"1234567890" * 8).hex() == "e33b4ddc9c38f2199c3e7b164fcc0536"


def test_nt_response_matches_rfc_2759_section_9_2():
    response = nt_response(
        username="User",
        password="clientPass",
        auth_challenge=bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628"),
        peer_challenge=bytes.fromhex("21402324255E262A28295F2B3A337C7E"),
    )
    assert response.hex().upper() == "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"
