"""The local stack: every AWS service on moto, the real ASL and the real handlers, a settable clock."""
