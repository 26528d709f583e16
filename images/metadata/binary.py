"""Walking a file's structure a few bytes at a time, shared by every stripper.

Headers are read in small pieces and payloads copied in blocks of
`BLOCK_SIZE`, so memory stays bounded whatever the file's size.
"""

from typing import BinaryIO

BLOCK_SIZE = 64 * 1024


def read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise ValueError("the file ends in the middle of a structure")
    return data


def copy(source: BinaryIO, destination: BinaryIO, size: int) -> None:
    while size:
        block = source.read(min(size, BLOCK_SIZE))
        if not block:
            raise ValueError("the file ends in the middle of a structure")
        destination.write(block)
        size -= len(block)


def has_more(source: BinaryIO) -> bool:
    return bool(source.read(1))


def holds(source: BinaryIO, start: int, length: int, data: bytes | None) -> bool:
    """Whether the `length` bytes at `start` are `data`: then replacing them removes nothing."""
    if data is None or length != len(data):
        return False
    source.seek(start)
    return source.read(length) == data
