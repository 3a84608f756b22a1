"""Domain exceptions, named so that Step Functions Retry/Catch can match them."""


class CleaIntakeError(Exception):
    """Base of the project's own errors."""


class InvalidTransition(CleaIntakeError):
    """The lifecycle table does not allow this change of state."""


class StaleCase(CleaIntakeError):
    """The case changed since it was read (optimistic locking); read again and retry."""


class DuplicateAward(CleaIntakeError):
    """An aid is already awarded for this beneficiary, year, certification and evaluation."""


class CaseNotFound(CleaIntakeError):
    """No case has this identifier."""


class DocumentRejected(CleaIntakeError):
    """A file cannot be read as a supporting document."""


class InvalidApplication(CleaIntakeError):
    """application.json does not follow the platform's schema."""

    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(f"{p['field']}: {p['message_en']}" for p in problems))
        self.problems = problems


class StaleRecord(CleaIntakeError):
    """A record other than a case (an evaluator's) changed since it was read; read again and retry."""


class WriteConflict(CleaIntakeError):
    """DynamoDB cancelled a transaction for a concurrent transaction or throttling, not for a condition:
    nothing was written, and the same read-decide-write may simply run again."""


class SystemFault(CleaIntakeError):
    """One of our own services failed (an OCR engine missing or throttled, AWS unavailable): never a finding
    about the applicant's file. The record is retried, then dead-lettered and alarmed."""


class OcrUnavailable(SystemFault):
    """The OCR engine is missing, timed out, throttled or returned a service error."""


class ProcessingLimit(CleaIntakeError):
    """Reading one file exceeded the sandbox's memory, CPU or wall-clock budget, or a structure limit."""

    def __init__(self, limit: str):
        super().__init__(limit)
        self.limit = limit


# Errors a Step Functions task may simply run again: the state machine's Retry names each of them.
RETRYABLE: tuple[type[CleaIntakeError], ...] = (StaleCase, WriteConflict)
