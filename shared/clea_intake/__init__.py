"""clea-intake: back office for the Région Nouvelle-Aquitaine CléA certification aid."""

import gc
import os

if os.environ.get("AWS_LAMBDA_RUNTIME_API"):
    # A Lambda container's init (the runtime API is Lambda's own variable: neither the local stack nor the
    # tests set it). What the handler imports now lives as long as the container, so the collector would only
    # scan it in vain, about a tenth of the import: it is off until runtime.end_of_init() freezes those
    # objects out of every later collection and turns it back on.
    gc.disable()
