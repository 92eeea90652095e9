"""Privacy operations: `audit.record` (the recorder behind `core.audit.record`), `erasure.erase_guest`,
`retention.purge_expired`. Field encryption and the blind index are `core.crypto` / `core.fields`."""
