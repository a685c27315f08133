"""Which open socket carries each call.

A call belongs to the socket its latest activity arrived on: when the channel
moves it to another socket, its proactive turns follow, and closing the old
socket leaves it alone. A call is forgotten when it ends (either side's
`endOfConversation`) or when the socket that carries it closes, so the map
holds only calls that are live on a live socket.
"""

from __future__ import annotations

from typing import Generic, Hashable, TypeVar

S = TypeVar("S", bound=Hashable)


class OpenCalls(Generic[S]):
    """Conversation id → the socket (any hashable object) that carries it."""

    def __init__(self) -> None:
        self._carrier: dict[str, S] = {}
        self._by_socket: dict[S, set[str]] = {}

    def carry(self, conversation_id: str, socket: S) -> None:
        """`socket` carries the call from now on."""
        previous = self._carrier.get(conversation_id)
        if previous is socket:
            return
        if previous is not None:
            self._by_socket[previous].discard(conversation_id)
        self._carrier[conversation_id] = socket
        self._by_socket.setdefault(socket, set()).add(conversation_id)

    def socket_for(self, conversation_id: str) -> S | None:
        return self._carrier.get(conversation_id)

    def end(self, conversation_id: str, socket: S) -> None:
        """The call ended on `socket`; a call since moved elsewhere is not touched."""
        if self._carrier.get(conversation_id) is socket:
            del self._carrier[conversation_id]
            self._by_socket[socket].discard(conversation_id)

    def release(self, socket: S) -> list[str]:
        """The socket closed: forget and return the calls it still carried."""
        calls = sorted(self._by_socket.pop(socket, set()))
        for conversation_id in calls:
            del self._carrier[conversation_id]
        return calls

    def __len__(self) -> int:
        return len(self._carrier)

    def on(self, socket: S) -> int:
        """How many calls `socket` carries."""
        return len(self._by_socket.get(socket, ()))
