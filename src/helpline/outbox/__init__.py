"""The transactional outbox and the job runner that delivers it after commit."""
