"""MS-CHAPv2 (RFC 2759) for the tests: radclient only speaks MS-CHAPv1, so the
MS-CHAP2-Response is computed here. MD4 is written out because OpenSSL 3 no longer
offers it through hashlib."""

import hashlib
import struct

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

_MASK = 0xFFFFFFFF


def md4(data: bytes) -> bytes:
    """MD4 (RFC 1320)."""
    message = bytearray(data) + b"\x80"
    message += b"\x00" * ((56 - len(message)) % 64)
    message += struct.pack("<Q", (8 * len(data)) & 0xFFFFFFFFFFFFFFFF)
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    rounds = (
        (lambda x, y, z: (x & y) | (~x & z), 0, range(16), (3, 7, 11, 19)),
        (
            lambda x, y, z: (x & y) | (x & z) | (y & z),
            0x5A827999,
            (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
            (3, 5, 9, 13),
        ),
        (
            lambda x, y, z: x ^ y ^ z,
            0x6ED9EBA1,
            (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15),
            (3, 9, 11, 15),
        ),
    )
    for offset in range(0, len(message), 64):
        words = struct.unpack("<16I", message[offset : offset + 64])
        v = list(state)
        for func, const, order, shifts in rounds:
            for i, k in enumerate(order):
                # Steps update a, d, c, b in turn, from the other three in order.
                t = (-i) % 4
                value = (
                    v[t] + func(v[(t + 1) % 4], v[(t + 2) % 4], v[(t + 3) % 4]) + words[k] + const
                ) & _MASK
                s = shifts[i % 4]
                v[t] = ((value << s) | (value >> (32 - s))) & _MASK
        state = [(a + b) & _MASK for a, b in zip(state, v, strict=True)]
    return struct.pack("<4I", *state)


def _des_encrypt(key7: bytes, block: bytes) -> bytes:
    # 56 key bits spread over 8 bytes (the parity bit, the lowest, is ignored by DES);
    # three equal keys make TripleDES plain DES.
    bits = int.from_bytes(key7, "big")
    key = bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # noqa: S305 (the protocol's)
    return encryptor.update(block) + encryptor.finalize()


def nt_response(*, username: str, password: str, auth_challenge: bytes, peer_challenge: bytes):
    """The 24-byte NT-Response of RFC 2759 §8.1."""
    challenge = hashlib.sha1(peer_challenge + auth_challenge + username.encode()).digest()[:8]  # noqa: S324
    key = md4(password.encode("utf-16-le")) + b"\x00" * 5
    return b"".join(_des_encrypt(key[i : i + 7], challenge) for i in (0, 7, 14))


def mschapv2_attributes(username: str, password: str) -> dict[str, object]:
    """User-Name, MS-CHAP-Challenge and MS-CHAP2-Response for one login."""
    auth_challenge = bytes(range(16))
    peer_challenge = bytes(range(16, 32))
    response = nt_response(
        username=username,
        password=password,
        auth_challenge=auth_challenge,
        peer_challenge=peer_challenge,
    )
    # Ident, Flags, Peer-Challenge, 8 reserved zero bytes, NT-Response.
    return {
        "User-Name": username,
        "MS-CHAP-Challenge": auth_challenge,
        "MS-CHAP2-Response": b"\x01\x00" + peer_challenge + b"\x00" * 8 + response,
    }
