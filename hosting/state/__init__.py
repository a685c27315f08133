"""Where a call's state lives, and which instance may run its turn.

`storage.create_storage` picks memory or Blob Storage (`memory_storage`, `blob_storage`,
both following `e_tags`); `conversation_state` notices changes cheaply; `leases`,
`memory_leases` and `blob_leases` hold a call for one instance, and `turn_lease` is the
middleware that takes the lease around each turn.
"""
