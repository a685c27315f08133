"""`RecordingStore` on a local directory (the default: no Azure account needed).

Atomicity comes from the file system: objects are written under a hidden
temporary name and renamed (`os.replace`) or hard-linked (`os.link`, which
refuses to overwrite: the exclusive create) into place. Large uploads grow a
``<name>.partial`` file, whose size after a crash is where the download resumes.
File I/O runs in a thread so a slow disk never stalls the web server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import AsyncIterator

from .base import StoreError

PARTIAL_SUFFIX = ".partial"
READ_CHUNK = 1024 * 1024


class LocalStore:
    """Objects are files under `root`; "/" in names maps to directories."""

    def __init__(self, root: str | Path):
        self._root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStore({str(self._root)!r})"

    def _path(self, name: str) -> Path:
        parts = name.split("/")
        if not name or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise StoreError(f"invalid object name {name!r}")
        return self._root.joinpath(*parts)

    async def put(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._write_then, self._path(name), data, os.replace)

    async def create(self, name: str, data: bytes) -> bool:
        try:
            await asyncio.to_thread(self._write_then, self._path(name), data, os.link)
        except FileExistsError:
            return False
        return True

    @staticmethod
    def _write_then(path: Path, data: bytes, publish) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            publish(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    async def get(self, name: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self._path(name).read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, name: str) -> bool:
        return await asyncio.to_thread(self._delete, self._path(name))

    async def size(self, name: str) -> int | None:
        try:
            return (await asyncio.to_thread(self._path(name).stat)).st_size
        except FileNotFoundError:
            return None

    def _delete(self, path: Path) -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        # Empty folders would keep a call's id on disk after its last file went.
        parent = path.parent
        while parent != self._root and parent.is_relative_to(self._root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
        return True

    async def list(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._list, prefix)

    def _list(self, prefix: str) -> list[str]:
        if not self._root.is_dir():
            return []
        names = []
        for dirpath, dirnames, filenames in os.walk(self._root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self._root)
            for filename in filenames:
                if filename.startswith(".") or filename.endswith(PARTIAL_SUFFIX):
                    continue
                name = (rel / filename).as_posix()
                if name.startswith(prefix):
                    names.append(name)
        return sorted(names)

    async def read(self, name: str) -> AsyncIterator[bytes]:
        path = self._path(name)
        with await asyncio.to_thread(open, path, "rb") as f:
            while chunk := await asyncio.to_thread(f.read, READ_CHUNK):
                yield chunk

    async def open_upload(self, name: str) -> "LocalUpload":
        final = self._path(name)
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        return await asyncio.to_thread(LocalUpload, final)

    async def append_line(self, name: str, line: str) -> None:
        await asyncio.to_thread(self._append, self._path(name), line)

    @staticmethod
    def _append(path: Path, line: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.rstrip("\n") + "\n")
            f.flush()
            os.fsync(f.fileno())

    async def close(self) -> None:
        return None


class LocalUpload:
    """Appends to ``<name>.partial``; commit fsyncs and renames it into place."""

    def __init__(self, final: Path):
        self._final = final
        self._partial = final.with_name(final.name + PARTIAL_SUFFIX)
        self._file = open(self._partial, "ab")
        self._offset = self._file.tell()

    @property
    def offset(self) -> int:
        return self._offset

    async def write(self, data: bytes) -> None:
        await asyncio.to_thread(self._file.write, data)
        self._offset += len(data)

    async def commit(self) -> int:
        def publish() -> None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._partial, self._final)

        await asyncio.to_thread(publish)
        return self._offset

    async def close(self) -> None:
        await asyncio.to_thread(self._file.close)

    async def discard(self) -> None:
        def forget() -> None:
            self._file.close()
            self._partial.unlink(missing_ok=True)

        await asyncio.to_thread(forget)
        self._offset = 0
