"""The policy crosses to the sandbox's child once: a request for one of the worker's own policies names it by
digest; any other policy (a test's, a changed one) is sent whole, and the child reads under the one sent."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from clea_intake.documents import sandbox
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import all_policies, current_policy
from clea_intake.samples.generate import combined, make_document

AS_OF = date(2026, 3, 2)


def codes(result: sandbox.Sandboxed) -> list[str]:
    return [f.code for reading in result.value for f in reading.findings]


def test_the_worker_names_its_policies_and_the_child_reads_under_the_policy_sent():
    two_pages = combined([make_document(DocType.QUOTE, {}, seed=1), make_document(DocType.PROOF_OF_ADDRESS, {}, seed=1)])
    policy = current_policy()
    one_page = policy.model_copy(update={"documents": policy.documents.model_copy(update={"max_pages": 1})})

    as_named = sandbox.read_pieces(two_pages, filename="x.pdf", as_of=AS_OF, policy=policy)
    assert sandbox.policy_digest(policy) in sandbox.sandbox()._policies
    assert "TOO_MANY_PAGES" not in codes(as_named)

    sent_whole = sandbox.read_pieces(two_pages, filename="x.pdf", as_of=AS_OF, policy=one_page)
    assert sandbox.policy_digest(one_page) not in sandbox.sandbox()._policies
    assert codes(sent_whole) == ["TOO_MANY_PAGES"]


def test_a_policys_digest_is_the_same_in_every_process():
    code = ("from clea_intake.documents.sandbox import policy_digest; from clea_intake.domain.policy import "
            "all_policies; print(' '.join(policy_digest(p) for p in all_policies()))")
    digests = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip() for seed in ("1", "2")}
    assert digests == {" ".join(sandbox.policy_digest(p) for p in all_policies())}
