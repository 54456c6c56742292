"""What `inv smoke` and `inv persistence-check` judge a running stack by, and how a result is told."""
