"""clea-intake: back office for the Région Nouvelle-Aquitaine CléA certification aid."""

import gc
import os

LAMBDA_INIT = "AWS_LAMBDA_RUNTIME_API"


def helper_environment(**extra: str) -> dict[str, str]:
    """The environment of a helper process the package starts (the sandbox's worker, the Tesseract engine):
    the caller's, less Lambda's mark of an init, so that a helper runs with its collector on."""
    return {key: value for key, value in os.environ.items() if key != LAMBDA_INIT} | extra


# A Lambda container's init (the runtime API is Lambda's own variable: neither the local stack nor the tests
# set it). What the handler imports now lives as long as the container, so the collector would only scan it
# in vain, about a tenth of the import: it is off until runtime.prepare() freezes those objects out of every
# later collection and turns it back on. Elsewhere both steps are skipped.
ON_LAMBDA = bool(os.environ.get(LAMBDA_INIT))
if ON_LAMBDA:
    gc.disable()
