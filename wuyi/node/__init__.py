"""Node assembly: the durable store, the WAL, the mempool and the node settings."""
