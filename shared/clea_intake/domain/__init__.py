"""Pure domain of clea-intake: policy, models, lifecycle and rules (no I/O, no clock, no AWS)."""
