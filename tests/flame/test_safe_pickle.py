import os
import pickle

import numpy as np
import pytest
import scipy.sparse

from deeptalk.flame.safe_pickle import ChumpyStub, SparseStub, UnsafePickleError, safe_load, safe_loads, to_numpy
from .synthetic_flame import _Ch, dump_with_fake_chumpy


class _SystemPayload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalPayload:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


def test_os_system_payload_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"v_template": _SystemPayload(str(marker))}, protocol=2))
    with pytest.raises(UnsafePickleError, match="refusing to load global"):
        safe_load(path)
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_eval_payload_is_refused(protocol):
    with pytest.raises(UnsafePickleError):
        safe_loads(pickle.dumps([_EvalPayload()], protocol=protocol))


def test_other_callables_are_refused():
    for module, name in (("subprocess", "Popen"), ("builtins", "getattr"), ("numpy", "load"), ("scipy.sparse", "load_npz")):
        data = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R."
        with pytest.raises(UnsafePickleError, match=f"{module}.{name}"):
            safe_loads(data)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
@pytest.mark.parametrize("fmt", ["csc", "csr", "coo"])
def test_sparse_and_chumpy_become_plain_arrays(protocol, fmt):
    dense = np.arange(12, dtype=np.float64).reshape(3, 4) * (np.arange(12).reshape(3, 4) % 3 == 0)
    payload = {"sparse": getattr(scipy.sparse, f"{fmt}_matrix")(dense), "ch": _Ch(np.ones((2, 3))),
               "arr": np.arange(5, dtype=np.int32), "text": "lbs"}
    loaded = safe_loads(dump_with_fake_chumpy(payload, protocol))
    assert isinstance(loaded["sparse"], SparseStub) and isinstance(loaded["ch"], ChumpyStub)
    np.testing.assert_array_equal(to_numpy(loaded["sparse"]), dense)
    np.testing.assert_array_equal(to_numpy(loaded["ch"]), np.ones((2, 3)))
    np.testing.assert_array_equal(loaded["arr"], np.arange(5))
    assert loaded["text"] == "lbs"


def test_garbage_is_a_clear_unpickling_error():
    with pytest.raises(pickle.UnpicklingError, match="not a readable pickle"):
        safe_loads(b"this is not a pickle at all")
