"""Columns of strings that open by memory-mapping: a UTF-8 blob plus an offsets array, and a hash table
over them for lookups by value. Opening one costs the same at a thousand or a million entries."""
from __future__ import annotations

import hashlib
import mmap
from array import array
from pathlib import Path
from typing import Iterable

import numpy as np


def write_strings(folder: Path, name: str, strings: Iterable[str]) -> list[str]:
    """Write <name>.bin and <name>.off.npy; returns the file names."""
    with StringsWriter(folder, name) as column:
        for s in strings:
            column.append(s)
    return column.names


class StringsWriter:
    """write_strings one string at a time: `append` each, and the offsets are written on leaving the `with`."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        self.offsets = array("q", [0])
        self._file = open(folder / f"{name}.bin", "wb")
        self.names = [f"{name}.bin", f"{name}.off.npy"]

    def append(self, s: str) -> None:
        data = s.encode("utf-8")
        self._file.write(data)
        self.offsets.append(self.offsets[-1] + len(data))

    def __enter__(self) -> "StringsWriter":
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()
        if exc[0] is None:
            np.save(self.folder / f"{self.name}.off.npy", np.frombuffer(self.offsets, dtype=np.int64))


def write_lookup(folder: Path, name: str, strings: list[str]) -> list[str]:
    """Write <name>.hash.npy (sorted 64-bit hashes) and <name>.pos.npy (the position of each)."""
    return write_hash_lookup(folder, name, np.fromiter((hash64(s) for s in strings), dtype=np.uint64, count=len(strings)))


def write_hash_lookup(folder: Path, name: str, hashes: np.ndarray) -> list[str]:
    """write_lookup given the strings' hash64 values, in order."""
    order = np.argsort(hashes, kind="stable")
    np.save(folder / f"{name}.hash.npy", hashes[order])
    np.save(folder / f"{name}.pos.npy", order.astype(np.int64))
    return [f"{name}.hash.npy", f"{name}.pos.npy"]


def hash64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


# Files up to this size are read into memory, larger ones memory-mapped: a mapping is cheap to open at any
# size, but a file changed in place under it (damage: builds always write new files) kills the reader
# with SIGBUS, so small indexes, which load in milliseconds anyway, are read.
MMAP_LIMIT = 64 << 20


def load_array(path: Path) -> np.ndarray:
    size = path.stat().st_size
    return np.load(path, mmap_mode="r" if size > MMAP_LIMIT else None) if size else np.zeros(0)


class Strings:
    """A memory-mapped string column, indexable by position; with a lookup, also by value."""

    def __init__(self, folder: Path, name: str, lookup: bool = False) -> None:
        self.offsets = load_array(folder / f"{name}.off.npy")
        path = folder / f"{name}.bin"
        size = path.stat().st_size
        with open(path, "rb") as f:
            self._blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > MMAP_LIMIT else f.read()
        self._hashes = self._positions = None
        if lookup:
            self._hashes = load_array(folder / f"{name}.hash.npy")
            self._positions = load_array(folder / f"{name}.pos.npy")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self._blob[int(self.offsets[i]):int(self.offsets[i + 1])].decode("utf-8")

    def find(self, s: str) -> int | None:
        """The position of s, or None (hashes narrow it down; the string itself confirms it)."""
        h = np.uint64(hash64(s))
        i = int(np.searchsorted(self._hashes, h))
        while i < len(self._hashes) and self._hashes[i] == h:
            position = int(self._positions[i])
            if self[position] == s:
                return position
            i += 1
        return None

    def get(self, s: str, default=None):
        found = self.find(s)
        return default if found is None else found
