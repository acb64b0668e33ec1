package cli

// digestCmd composes and sends email digests.
type digestCmd struct{}
