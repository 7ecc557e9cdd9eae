import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.routeros_sim import codec
from tools.routeros_sim.codec import (
    IncompleteError,
    ProtocolError,
    SentenceDecoder,
    decode_length,
    decode_sentence,
    decode_word,
    encode_length,
    encode_sentence,
    encode_word,
    parse_reply,
    parse_request,
)

# (length, encoded prefix) at both sides of every boundary.
BOUNDARIES = [
    (0, b"\x00"),
    (1, b"\x01"),
    (0x7F, b"\x7f"),
    (0x80, b"\x80\x80"),
    (0x3FFF, b"\xbf\xff"),
    (0x4000, b"\xc0\x40\x00"),
    (0x1FFFFF, b"\xdf\xff\xff"),
    (0x200000, b"\xe0\x20\x00\x00"),
    (0xFFFFFFF, b"\xef\xff\xff\xff"),
    (0x10000000, b"\xf0\x10\x00\x00\x00"),
    (0xFFFFFFFF, b"\xf0\xff\xff\xff\xff"),
]


@pytest.mark.parametrize(("length", "prefix"), BOUNDARIES)
def test_encode_length_at_every_boundary(length, prefix):
    assert encode_length(length) == prefix


@pytest.mark.parametrize(("length", "prefix"), BOUNDARIES)
def test_decode_length_at_every_boundary(length, prefix):
    assert decode_length(prefix) == (length, len(prefix))
    # The same prefix in the middle of a buffer.
    assert decode_length(b"xx" + prefix + b"rest", 2) == (length, len(prefix))


@pytest.mark.parametrize("size", [0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000])
def test_words_round_trip_at_the_boundaries(size):
    word = "a" * size
    encoded = encode_word(word)
    assert len(encoded) == size + len(encode_length(size))
    assert decode_word(encoded) == (word, len(encoded))


def test_prefix_sizes():
    assert [len(encode_length(n)) for n in (0x7F, 0x80, 0x3FFF, 0x4000)] == [1, 2, 2, 3]
    assert [len(encode_length(n)) for n in (0x1FFFFF, 0x200000, 0xFFFFFFF, 0x10000000)] == [
        3,
        4,
        4,
        5,
    ]


@pytest.mark.parametrize("first", [0xF8, 0xF9, 0xFE, 0xFF])
def test_reserved_control_bytes_are_refused(first):
    with pytest.raises(ProtocolError, match="reserved control byte"):
        decode_length(bytes([first, 0, 0, 0, 0]))
    with pytest.raises(ProtocolError):
        codec.length_size(first)


def test_lengths_out_of_range_are_refused():
    with pytest.raises(ProtocolError):
        encode_length(-1)
    with pytest.raises(ProtocolError):
        encode_length(0x100000000)


@pytest.mark.parametrize("prefix", [b"", b"\x80", b"\xc0\x40", b"\xe0\x20\x00", b"\xf0\x10"])
def test_cut_short_prefix_is_incomplete(prefix):
    with pytest.raises(IncompleteError):
        decode_length(prefix)


def test_cut_short_word_and_sentence_are_incomplete():
    with pytest.raises(IncompleteError):
        decode_word(b"\x05abc")
    with pytest.raises(IncompleteError):
        decode_sentence(b"\x05hello")  # no terminator yet


def test_sentence_ends_with_a_zero_length_word():
    data = encode_sentence(["/login", "=name=admin"])
    assert data == b"\x06/login\x0b=name=admin\x00"
    assert decode_sentence(data) == (["/login", "=name=admin"], len(data))
    assert codec.decode_sentences(data + data) == [["/login", "=name=admin"]] * 2


def test_incremental_decoder_byte_by_byte():
    long_word = "=comment=" + "x" * 20_000
    data = encode_sentence(["/ppp/secret/add", long_word]) + encode_sentence(["/quit"])
    decoder = SentenceDecoder()
    out = []
    for i in range(len(data)):
        out += decoder.feed(data[i : i + 1])
    assert out == [["/ppp/secret/add", long_word], ["/quit"]]
    assert decoder.pending == 0


def test_non_ascii_and_arbitrary_bytes_survive():
    word = "=comment=ঢাকা ফাইবার"
    assert decode_word(encode_word(word))[0] == word
    raw = b"=comment=\xff\xfe\x80"
    decoded, _ = decode_word(encode_word(raw))
    assert codec.to_bytes(decoded) == raw


def test_read_sentence_from_an_asyncio_stream():
    async def scenario():
        reader = asyncio.StreamReader()
        reader.feed_data(encode_sentence(["/system/resource/print", ".tag=7"]))
        reader.feed_data(bytes([0x80 | (300 >> 8), 300 & 0xFF]) + b"y" * 300 + b"\x00")
        reader.feed_eof()
        first = await codec.read_sentence(reader)
        second = await codec.read_sentence(reader)
        with pytest.raises(asyncio.IncompleteReadError):
            await codec.read_sentence(reader)
        return first, second

    first, second = asyncio.run(scenario())
    assert first == ["/system/resource/print", ".tag=7"]
    assert second == ["y" * 300]


def test_read_word_refuses_words_over_the_limit():
    async def scenario():
        reader = asyncio.StreamReader()
        reader.feed_data(encode_word("z" * 200))
        reader.feed_eof()
        await codec.read_word(reader, max_length=100)

    with pytest.raises(ProtocolError, match="exceeds"):
        asyncio.run(scenario())


def test_parse_request_splits_attributes_at_the_first_equals_after_the_key():
    request = parse_request(
        [
            "/ppp/secret/add",
            "=name=alice",
            "=password=a=b==c",
            "=comment=",
            "=once",
            "=.id=*1A",
            ".tag=t1",
            ".proplist=name",
            "?name=alice",
            "?#|",
            "stray",
        ]
    )
    assert request.command == "/ppp/secret/add"
    assert request.args == {
        "name": "alice",
        "password": "a=b==c",
        "comment": "",
        "once": "",
        ".id": "*1A",
    }
    assert request.tag == "t1"
    assert request.api_attrs == {"proplist": "name"}
    assert request.queries == ["name=alice", "#|"]
    assert request.extra == ["stray"]
    assert parse_request(request.words) == request


def test_parse_request_rejects_an_empty_sentence():
    with pytest.raises(ProtocolError):
        parse_request([])


def test_parse_reply():
    reply = parse_reply(["!trap", "=category=1", "=message=x=y", ".tag=5"])
    assert (reply.kind, reply.attrs, reply.tag) == (
        "!trap",
        {"category": "1", "message": "x=y"},
        "5",
    )
    assert parse_reply(["!fatal", "not logged in"]).attrs == {"message": "not logged in"}


@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=6))
def test_sentences_round_trip(words):
    data = encode_sentence(words)
    assert decode_sentence(data) == (words, len(data))


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_lengths_round_trip(length):
    prefix = encode_length(length)
    assert decode_length(prefix) == (length, len(prefix))
