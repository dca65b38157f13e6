"""``wuyi relay``: keep two chains' clients of each other current and carry packets between
them. Any member may run one, as many as they like: every chain checks what a relay brings,
and a transaction a second relay already delivered is refused harmlessly.

One round (:meth:`Relay.step`), for each direction A → B where B has a client of A and the
relay holds a member key of B:

1. headers: B's client of A is brought to A's latest height (:meth:`Relayer.sync`) once its
   latest header is ``refresh_ms`` old (default: a third of the client's trusting period, so
   it never nears expiry; 0: every round). Updating on every new block would make two idle
   chains produce blocks for ever (each update is a block the other side's client then
   follows); recognitions and packets sync the height they need themselves;
2. packets (:mod:`wuyi.crosschain.packets`): each packet A sent to B that B has no receipt of
   is delivered (``xchain.recv``) unless it timed out; each receipt B wrote is acknowledged
   back on A (``xchain.ack``); each packet past its timeout without a receipt is timed out
   on A (``xchain.timeout``) — those two need the client the other way (A's client of B).

A stopped relay loses nothing: the chains hold every commitment, receipt and
acknowledgement, and the next round (of this relay or another) picks them up.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crosschain.sdk import Relayer, SourceChain, XChain
from wuyi.exceptions import WuyiError
from wuyi.sdk.client import WuyiClient

__all__ = ["Relay"]

Log = Callable[[dict[str, Any]], None]


def _log_json(event: dict[str, Any]) -> None:
    sys.stderr.write(
        json.dumps({"ts": int(time.time() * 1000), **event}, ensure_ascii=False) + "\n"
    )
    sys.stderr.flush()


class Relay:
    """A relay between chains ``a`` and ``b``: ``key_b`` signs on B (headers and packets from
    A), ``key_a`` on A (the other way); either may be None to relay one way only."""

    def __init__(
        self,
        a: WuyiClient,
        b: WuyiClient,
        *,
        key_a: PrivateKey | None,
        key_b: PrivateKey | None,
        log: Log = _log_json,
        refresh_ms: int | None = None,
    ) -> None:
        self.a, self.b = a, b
        self.refresh_ms = refresh_ms
        self.key_a, self.key_b = key_a, key_b
        self.log = log
        self._src: dict[int, SourceChain] = {}

    def _source(self, client: WuyiClient) -> SourceChain:
        got = self._src.get(id(client))
        if got is None:
            got = SourceChain(client)
            self._src[id(client)] = got
        return got

    def _directions(self) -> list[tuple[WuyiClient, WuyiClient, PrivateKey, PrivateKey | None]]:
        out = []
        if self.key_b is not None:
            out.append((self.a, self.b, self.key_b, self.key_a))
        if self.key_a is not None:
            out.append((self.b, self.a, self.key_a, self.key_b))
        return out

    def step(self) -> dict[str, Any]:
        """One round both ways; returns what it did (errors are logged, not raised)."""
        done: dict[str, Any] = {}
        for src_client, dst_client, key, back_key in self._directions():
            try:
                src = self._source(src_client)
                dst_chain = dst_client.status().chain_id
                client = next(
                    (c for c in XChain(dst_client).clients() if c["chain_id"] == src.chain_id),
                    None,
                )
                if client is None or client["status"] != "active":
                    continue  # none, or frozen/expired/retired: governance's turn
                relayer = Relayer(src, dst_client, key)
                before = after = int(client["latest_height"])
                period = int(client["trusting_period_ms"])
                due = period // 3 if self.refresh_ms is None else self.refresh_ms
                if client["age_ms"] is None or client["age_ms"] >= due:
                    after = relayer.sync()
                if after > before:
                    self.log(
                        {
                            "event": "xchain.synced",
                            "from": src.chain_id,
                            "to": dst_chain,
                            "height": after,
                        }
                    )
                done[f"{src.chain_id}->{dst_chain}"] = after
                from wuyi.crosschain.packets import relay_packets

                for ev in relay_packets(src, dst_client, key, back_key):
                    self.log(ev)
            except (WuyiError, OSError) as exc:
                msg = exc.message if isinstance(exc, WuyiError) else str(exc)
                self.log({"event": "xchain.relay_error", "error": msg[:500]})
        return done

    def run(
        self,
        *,
        interval: float = 2.0,
        stop: Callable[[], bool] | None = None,
        max_rounds: int | None = None,
    ) -> None:
        rounds = 0
        while (stop is None or not stop()) and (max_rounds is None or rounds < max_rounds):
            self.step()
            rounds += 1
            if max_rounds is None or rounds < max_rounds:
                time.sleep(interval)
