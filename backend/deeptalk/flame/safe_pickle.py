"""A restricted unpickler for FLAME's files (generic_model.pkl, FLAME_masks.pkl, embeddings).

Official FLAME pickles hold numpy arrays, `scipy.sparse` matrices and `chumpy` objects
(chumpy does not install on Python 3.11). Only the classes needed to rebuild those are
allowed: numpy arrays/dtypes/scalars, and stand-ins for the sparse matrices and chumpy
objects that keep their state as plain data. Any other global (os.system, eval,
builtins, ...) is refused with `UnsafePickleError` before anything runs.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside the allow-list; nothing from it was executed."""


class ChumpyStub:
    """Stand-in for any `chumpy` object: keeps its pickled state; `.x` / `.r` give numpy."""

    state: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state = {}

    def __setstate__(self, state: Any) -> None:
        self.state = dict(state) if isinstance(state, dict) else {"x": state}

    @property
    def x(self) -> np.ndarray:
        if "x" not in self.state:
            raise ValueError(f"chumpy object without a stored value (keys: {sorted(self.state)}); "
                             "only plain chumpy.Ch arrays are supported")
        return np.asarray(self.state["x"])

    r = x


class SparseStub:
    """Stand-in for a pickled `scipy.sparse` matrix; `.toarray()` rebuilds it densely."""

    format = ""
    state: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state = {}

    def __setstate__(self, state: Any) -> None:
        self.state = dict(state)

    def toarray(self) -> np.ndarray:
        s = self.state
        shape = tuple(int(n) for n in (s.get("_shape") or s.get("shape")))
        if self.format in ("csc", "csr"):
            make = scipy.sparse.csc_matrix if self.format == "csc" else scipy.sparse.csr_matrix
            matrix = make((np.asarray(s["data"]), np.asarray(s["indices"]), np.asarray(s["indptr"])), shape=shape)
        elif self.format == "coo":
            rows = np.asarray(s["row"] if "row" in s else s["coords"][0])
            cols = np.asarray(s["col"] if "col" in s else s["coords"][1])
            matrix = scipy.sparse.coo_matrix((np.asarray(s["data"]), (rows, cols)), shape=shape)
        else:
            raise ValueError(f"unsupported sparse format {self.format!r}")
        return np.asarray(matrix.toarray())


def _sparse_class(fmt: str) -> type:
    return type(f"{fmt}_matrix_stub", (SparseStub,), {"format": fmt})


def _reconstructor(cls: type, base: type, state: Any) -> Any:
    """copyreg._reconstructor limited to our stand-ins (old-protocol object pickles)."""
    if not (isinstance(cls, type) and issubclass(cls, (ChumpyStub, SparseStub))) or base is not object:
        raise UnsafePickleError(f"refusing to reconstruct {cls!r} from {base!r}")
    return cls()


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """_codecs.encode as protocol-0/1 pickles use it for bytes, latin-1 only."""
    if not isinstance(text, str) or encoding.replace("-", "").lower() != "latin1":
        raise UnsafePickleError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


_SPARSE = {fmt: _sparse_class(fmt) for fmt in ("csc", "csr", "coo")}
_NUMPY_GLOBALS: dict[str, Any] = {
    "_reconstruct": np.core.multiarray._reconstruct,
    "scalar": np.core.multiarray.scalar,
    "_frombuffer": np.core.numeric._frombuffer,
    "ndarray": np.ndarray,
    "dtype": np.dtype,
}
_BUILTINS: dict[str, type] = {"object": object, "set": set, "frozenset": frozenset}
_NUMPY_MODULES = ("numpy", "numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric",
                  "numpy._core.numeric")


class RestrictedUnpickler(pickle.Unpickler):
    """`pickle.Unpickler` whose `find_class` only answers the FLAME allow-list."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _NUMPY_MODULES and name in _NUMPY_GLOBALS:
            return _NUMPY_GLOBALS[name]
        if module.startswith("chumpy"):
            return ChumpyStub
        if module.startswith("scipy.sparse") and name in ("csc_matrix", "csr_matrix", "coo_matrix"):
            return _SPARSE[name[:3]]
        if (module, name) in (("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")):
            return _reconstructor
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        if module in ("__builtin__", "builtins") and name in _BUILTINS:
            return _BUILTINS[name]
        return self._refuse(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("refusing a pickle with persistent ids")

    @staticmethod
    def _refuse(module: str, name: str) -> Any:
        raise UnsafePickleError(f"refusing to load global {module}.{name}: not an array, sparse matrix "
                                "or chumpy object (the file may be malicious or not a FLAME file)")


def safe_load(path: str | os.PathLike[str]) -> Any:
    """Load a FLAME-family pickle with the allow-list (latin-1 for Python 2 pickles)."""
    data = Path(path).read_bytes()
    return safe_loads(data)


def safe_loads(data: bytes) -> Any:
    """`safe_load` for bytes; raises UnsafePickleError or pickle.UnpicklingError."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, ImportError) as exc:
        raise pickle.UnpicklingError(f"not a readable pickle: {type(exc).__name__}: {exc}") from exc


def to_numpy(value: Any) -> np.ndarray:
    """A plain array from an ndarray, a chumpy stand-in or a sparse stand-in."""
    if isinstance(value, ChumpyStub):
        return np.asarray(value.x)
    if isinstance(value, SparseStub):
        return value.toarray()
    if scipy.sparse.issparse(value):
        return np.asarray(value.toarray())
    return np.asarray(value)
