"""The platform under everything else: configuration from the environment, the Redis client and its start-up
check, logging without phone numbers, Redis key naming, and the RQ job queue.

May import: the standard library and outside packages only (no other bot package)."""
