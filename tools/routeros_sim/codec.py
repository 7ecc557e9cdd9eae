"""The RouterOS API wire format: length-prefixed words, sentences, and request parsing.

A *word* is a length prefix followed by that many bytes. The prefix has five forms:

====================  ======================================  ==========
length                prefix                                  size
====================  ======================================  ==========
< 0x80                the length                              1 byte
< 0x4000              length | 0x8000                         2 bytes
< 0x200000            length | 0xC00000                       3 bytes
< 0x10000000          length | 0xE0000000                     4 bytes
< 0x100000000         0xF0, then the length                   5 bytes
====================  ======================================  ==========

A first byte of 0xF8 or more is a reserved control byte and is refused. A *sentence* is a
list of words ended by a zero-length word (a single 0x00 byte).

Words are text here: bytes are decoded as UTF-8 with ``surrogateescape``, so any byte
string (RouterOS itself does not care about encodings) survives a decode/encode round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ENCODING = "utf-8"
ERRORS = "surrogateescape"
MAX_WORD_LENGTH = 0xFFFFFFFF


class ProtocolError(ValueError):
    """Bytes that are not a valid RouterOS API word or sentence."""


class IncompleteError(ProtocolError):
    """More bytes are needed to finish the word or sentence."""


# -- lengths ----------------------------------------------------------------------------


def encode_length(length: int) -> bytes:
    """The length prefix for a word of `length` bytes (1 to 5 bytes)."""
    if length < 0:
        raise ProtocolError(f"negative length {length}")
    if length < 0x80:
        return bytes((length,))
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    if length <= MAX_WORD_LENGTH:
        return b"\xf0" + length.to_bytes(4, "big")
    raise ProtocolError(f"length {length} does not fit the RouterOS API framing")


def length_size(first_byte: int) -> int:
    """How many bytes the length prefix starting with `first_byte` occupies."""
    if first_byte < 0x80:
        return 1
    if first_byte < 0xC0:
        return 2
    if first_byte < 0xE0:
        return 3
    if first_byte < 0xF0:
        return 4
    if first_byte < 0xF8:
        return 5
    raise ProtocolError(f"reserved control byte 0x{first_byte:02X}")


def decode_length(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Decode the length prefix at `offset`: returns ``(length, prefix_size)``.

    Raises `IncompleteError` when `data` ends inside the prefix, and `ProtocolError` for a
    reserved first byte (0xF8 or more).
    """
    if offset >= len(data):
        raise IncompleteError("no length byte")
    first = data[offset]
    size = length_size(first)
    if offset + size > len(data):
        raise IncompleteError("length prefix is cut short")
    if size == 1:
        return first, 1
    if size == 5:
        return int.from_bytes(data[offset + 1 : offset + 5], "big"), 5
    masks = {2: 0x8000, 3: 0xC00000, 4: 0xE0000000}
    value = int.from_bytes(data[offset : offset + size], "big")
    return value ^ masks[size], size


# -- words and sentences ----------------------------------------------------------------


def to_bytes(word: str | bytes) -> bytes:
    return word if isinstance(word, bytes) else word.encode(ENCODING, ERRORS)


def to_text(raw: bytes | bytearray | memoryview) -> str:
    return bytes(raw).decode(ENCODING, ERRORS)


def encode_word(word: str | bytes) -> bytes:
    raw = to_bytes(word)
    return encode_length(len(raw)) + raw


def encode_sentence(words: Iterable[str | bytes]) -> bytes:
    """The words, each length-prefixed, followed by the zero-length terminator."""
    return b"".join(encode_word(word) for word in words) + b"\x00"


def decode_word(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[str, int]:
    """Decode one word at `offset`: returns ``(word, next_offset)``."""
    length, size = decode_length(data, offset)
    start = offset + size
    end = start + length
    if end > len(data):
        raise IncompleteError("word is cut short")
    return to_text(data[start:end]), end


def decode_sentence(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[list[str], int]:
    """Decode one sentence at `offset`: returns ``(words, next_offset)``.

    The terminating zero-length word is consumed but not returned.
    """
    words: list[str] = []
    while True:
        word, offset = decode_word(data, offset)
        if word == "":
            return words, offset
        words.append(word)


def decode_sentences(data: bytes | bytearray | memoryview) -> list[list[str]]:
    """Decode a buffer holding whole sentences only (`IncompleteError` otherwise)."""
    sentences: list[list[str]] = []
    offset = 0
    while offset < len(data):
        words, offset = decode_sentence(data, offset)
        sentences.append(words)
    return sentences


class SentenceDecoder:
    """Incremental decoder: `feed` bytes as they arrive, get back the finished sentences."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[list[str]]:
        self._buffer += data
        sentences: list[list[str]] = []
        offset = 0
        while True:
            try:
                words, offset_after = decode_sentence(self._buffer, offset)
            except IncompleteError:
                break
            sentences.append(words)
            offset = offset_after
        del self._buffer[:offset]
        return sentences

    @property
    def pending(self) -> int:
        """Bytes received that do not yet make a whole sentence."""
        return len(self._buffer)


async def read_word(reader: asyncio.StreamReader, max_length: int = MAX_WORD_LENGTH) -> str:
    """Read one word from an asyncio stream (`asyncio.IncompleteReadError` at EOF)."""
    first = await reader.readexactly(1)
    size = length_size(first[0])
    prefix = first + (await reader.readexactly(size - 1) if size > 1 else b"")
    length, _ = decode_length(prefix)
    if length > max_length:
        raise ProtocolError(f"word of {length} bytes exceeds the limit of {max_length}")
    return to_text(await reader.readexactly(length)) if length else ""


async def read_sentence(
    reader: asyncio.StreamReader, max_length: int = MAX_WORD_LENGTH
) -> list[str]:
    """Read one sentence from an asyncio stream; the terminator is not returned."""
    words: list[str] = []
    while word := await read_word(reader, max_length):
        words.append(word)
    return words


# -- requests ---------------------------------------------------------------------------


@dataclass
class Request:
    """A parsed API request sentence.

    `command` is the first word (``/ppp/secret/print``); `args` the ``=key=value``
    attribute words in order (a later duplicate wins); `tag` the ``.tag=`` value;
    `api_attrs` any other ``.name=value`` words; `queries` the ``?`` words without the
    leading ``?``; `extra` words of no known kind.
    """

    command: str
    args: dict[str, str] = field(default_factory=dict)
    tag: str | None = None
    queries: list[str] = field(default_factory=list)
    api_attrs: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """The request as words again (round trip of `parse_request`)."""
        out = [self.command]
        out += [f"={key}={value}" for key, value in self.args.items()]
        out += [f".{key}={value}" for key, value in self.api_attrs.items()]
        if self.tag is not None:
            out.append(f".tag={self.tag}")
        out += [f"?{query}" for query in self.queries]
        out += self.extra
        return out


def split_attribute(word: str) -> tuple[str, str]:
    """``=key=value`` → ``(key, value)``, split at the first ``=`` after the key.

    ``=once=`` and ``=once`` both give an empty value; the value may itself contain ``=``.
    """
    body = word[1:] if word.startswith("=") else word
    key, _, value = body.partition("=")
    return key, value


def parse_request(words: Sequence[str]) -> Request:
    """Parse a request sentence (see `Request`). `words` must not be empty."""
    if not words:
        raise ProtocolError("empty sentence")
    request = Request(command=words[0])
    for word in words[1:]:
        if word.startswith("="):
            key, value = split_attribute(word)
            request.args[key] = value
        elif word.startswith(".tag="):
            request.tag = word[len(".tag=") :]
        elif word.startswith("."):
            key, _, value = word[1:].partition("=")
            request.api_attrs[key] = value
        elif word.startswith("?"):
            request.queries.append(word[1:])
        else:
            request.extra.append(word)
    return request


def reply(kind: str, attrs: Iterable[tuple[str, str]] = (), tag: str | None = None) -> list[str]:
    """A reply sentence: ``!re``/``!done``/``!trap``/``!empty`` plus ``=k=v`` words and tag."""
    words = [kind, *(f"={key}={value}" for key, value in attrs)]
    if tag is not None:
        words.append(f".tag={tag}")
    return words


@dataclass
class Reply:
    """A parsed reply sentence: its kind (``!re``, ``!done``…), attributes and tag.

    For ``!fatal`` the reason (a bare word) is in `attrs["message"]`.
    """

    kind: str
    attrs: dict[str, str] = field(default_factory=dict)
    tag: str | None = None


def parse_reply(words: Sequence[str]) -> Reply:
    if not words:
        raise ProtocolError("empty sentence")
    parsed = Reply(kind=words[0])
    for word in words[1:]:
        if word.startswith("="):
            key, value = split_attribute(word)
            parsed.attrs[key] = value
        elif word.startswith(".tag="):
            parsed.tag = word[len(".tag=") :]
        elif parsed.kind == "!fatal":
            parsed.attrs["message"] = word
    return parsed
