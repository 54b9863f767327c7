"""Where large CPU tensors get their memory (appendix: *Running fast*).

On Linux, glibc's ``malloc`` serves every block above a threshold (128 KiB at start, raised as large blocks are
freed, at most 32 MiB) with a fresh ``mmap`` and hands it back to the system when it is freed. A batch of 1,000
images through a small U-Net allocates and frees blocks of tens of MiB at every layer, and every fresh block costs
one page fault per 4 KiB page when it is first written. On a 2-core virtual machine, sampling 1,000 images spent
more time in the kernel, faulting pages, than computing.

:func:`keep_freed_memory` tells glibc to serve every block from its heap and to keep up to 1 GiB of freed memory
for reuse. The numbers a computation produces do not change, only where its memory comes from; a process may hold
up to that much more memory than it uses. ``import gantutor`` applies it on glibc systems; set the environment
variable ``GANTUTOR_MALLOC=system`` before the import to keep the C library's defaults.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

#: glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
#: The choices of ``GANTUTOR_MALLOC``.
CHOICES = ("keep", "system")
#: What this process uses: "keep" (keep_freed_memory was applied) or "system" (the C library's defaults).
state = "system"


@functools.cache
def glibc():
    """The C library when it is GNU's (Linux), else None (macOS, Windows, musl): the symbols already loaded into
    this process, so that the import starts no ``ldconfig`` subprocess to look for it."""
    if platform.system() != "Linux":
        return None
    libc = ctypes.CDLL(None)
    return libc if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt") else None


def keep_freed_memory(keep_mib: int = 1024, pad_mib: int = 256) -> None:
    """Serve every allocation from glibc's heap (no ``mmap`` per large block) and keep up to ``keep_mib`` MiB of
    freed memory there for reuse, growing the heap ``pad_mib`` MiB at a time."""
    global state
    for name, value in (("keep_mib", keep_mib), ("pad_mib", pad_mib)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive number of MiB, got {value!r}.")
    libc = glibc()
    if libc is None:
        raise RuntimeError(f"keep_freed_memory needs GNU libc (Linux); this is {platform.system()} with another C "
                           f"library, whose allocator has no such settings. Set GANTUTOR_MALLOC=system, or leave it "
                           f"unset (gantutor then keeps the system's allocator on such machines).")
    settings = ((M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, keep_mib << 20), (M_TOP_PAD, pad_mib << 20))
    refused = [option for option, value in settings if libc.mallopt(option, value) != 1]
    if refused:
        raise RuntimeError(f"glibc's mallopt refused the options {refused}; set GANTUTOR_MALLOC=system.")
    state = "keep"


def configure(choice: str | None = None) -> str:
    """Apply ``choice`` (default: the ``GANTUTOR_MALLOC`` variable): ``"keep"`` runs :func:`keep_freed_memory`,
    ``"system"`` leaves the C library alone; unset means "keep" on glibc and "system" elsewhere. Returns the state."""
    if choice is None:
        choice = os.environ.get("GANTUTOR_MALLOC") or ("keep" if glibc() is not None else "system")
    if choice not in CHOICES:
        raise ValueError(f"GANTUTOR_MALLOC must be one of {', '.join(CHOICES)} (or unset), got {choice!r}.")
    if choice == "keep":
        keep_freed_memory()
    return state
