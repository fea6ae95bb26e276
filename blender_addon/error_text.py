"""One clear sentence for failures whose raw output is a traceback (no bpy).

The backend process and the FLAME converter write Python tracebacks to their logs;
the user sees what went wrong and what to do, and the full text stays in the log.
"""

from __future__ import annotations

import re

_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")
_REFUSED = re.compile(r"refusing (?:to load global |to reconstruct )?(.+?)(?::| from |$)")
_ERROR_LINE = re.compile(r"^error: (.*)$", re.MULTILINE)
_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): (.*)$", re.MULTILINE)
# First-party packages the backend Python must have (anything missing means "not set up").
_BACKEND_PACKAGES = ("torch", "numpy", "scipy", "smplx", "soundfile", "soxr", "trimesh", "transformers", "deeptalk")


def missing_backend_package(text: str) -> str | None:
    """The backend dependency an ImportError in `text` names, if any."""
    for match in _MISSING_MODULE.finditer(text):
        top = match.group(1).split(".")[0]
        if top in _BACKEND_PACKAGES:
            return top
    return None


def last_error(text: str) -> str:
    """The message of the last `error: ...` line or exception line in `text` ("" if none)."""
    errors = _ERROR_LINE.findall(text)
    if errors:
        return errors[-1].strip()
    exceptions = _EXCEPTION_LINE.findall(text)
    return exceptions[-1][1].strip() if exceptions else ""


def backend_exit(returncode: int | None, log_text: str, *, python: str, log_path: str) -> str:
    """Why the backend process ended, as one sentence."""
    missing = missing_backend_package(log_text)
    if missing is not None:
        return (f"the backend Python ({python}) does not have {missing}: press Set up Backend in the DEEPTalk "
                f"add-on preferences, or pick a Backend Python that has the backend installed (log: {log_path})")
    reason = last_error(log_text)
    return f"the backend exited (code {returncode})" + (f": {reason}" if reason else "") + f"; backend log: {log_path}"


def flame_conversion(name: str, returncode: int | None, output: str, *, python: str) -> str:
    """Why converting a FLAME `.pkl` failed, as one sentence."""
    missing = missing_backend_package(output)
    if missing is not None:
        return (f"converting {name} needs the backend, but its Python ({python}) does not have {missing}: "
                f"press Set up Backend in the DEEPTalk add-on preferences")
    if "refusing" in output:
        match = _REFUSED.search(output)
        what = f" ({match.group(1).strip()})" if match else ""
        return (f"converting {name} failed: it is not a FLAME model but a pickle that asks to run code{what}, "
                f"which DEEPTalk refuses to load; use the official FLAME .pkl (e.g. generic_model.pkl) or a "
                f"converted .npz")
    if "not a readable pickle" in output:
        return (f"converting {name} failed: it is not a FLAME .pkl file; choose the official FLAME model "
                f"(e.g. generic_model.pkl) or a converted .npz")
    reason = last_error(output)
    if reason:
        return f"converting {name} failed: {reason.split(': ', 1)[-1] if reason.startswith('/') else reason}"
    return f"converting {name} failed (exit {returncode}); run `deeptalk flame convert` on it to see why"
