"""CPU-heavy work runs in a helper process (real processes, real keys and images)."""

from __future__ import annotations

import os
import stat

import pytest

from certwizard.crypto.keys import CsrSelfCheckError, generate_key_and_csr
from certwizard.domain.products import KeyAlgorithm, get_product
from certwizard.system import isolation


def _raise_self_check(problems: list[str]) -> None:
    raise CsrSelfCheckError(problems)


def _kill_helper() -> None:
    os._exit(3)


def test_work_runs_in_another_process_and_its_result_comes_back():
    assert isolation.run_isolated(os.getpid) != os.getpid()


def test_an_rsa_key_made_in_the_helper_is_written_0600_and_only_public_data_returns(tmp_path):
    generated = isolation.run_isolated(
        generate_key_and_csr, keys_dir=tmp_path / "keys", order_id="ord-00000001", algorithm=KeyAlgorithm.RSA_2048,
        product=get_product("dv-single"), domains=["www.example.com"])
    assert "BEGIN CERTIFICATE REQUEST" in generated.csr_pem
    assert stat.S_IMODE(os.stat(generated.key_path).st_mode) == 0o600
    assert "PRIVATE KEY" not in repr(generated)


def test_exceptions_come_back_whole():
    with pytest.raises(CsrSelfCheckError) as raised:
        isolation.run_isolated(_raise_self_check, ["CN too long", "SHA-1"])
    assert raised.value.problems == ["CN too long", "SHA-1"]
    assert "CN too long; SHA-1" in str(raised.value)


def test_a_helper_that_dies_fails_the_call_and_the_next_call_gets_a_new_helper():
    before = isolation.run_isolated(os.getpid)
    with pytest.raises(isolation.HelperDiedError, match="stopped unexpectedly.*Try again"):
        isolation.run_isolated(_kill_helper)          # never retried here: it would end this process too
    after = isolation.run_isolated(os.getpid)
    assert after not in (before, os.getpid())
