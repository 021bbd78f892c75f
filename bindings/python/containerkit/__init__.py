"""Python binding of libcontainerkit, over ctypes.

Each C call maps to one method.  Handles are released deterministically: use
`with`, or call `.close()`; garbage collection is only the fallback.  Every
failing call raises a ContainerKitError (a subclass chosen by the code)
carrying the library's code, its name, its message and errno.

The library is libcontainerkit.so.1, or the file named by the environment
variable CONTAINERKIT_LIBRARY.
"""

import ctypes
import ctypes.util
import enum
import json
import os
import threading
import warnings

__all__ = [
    "Context", "Volume", "LogLevel", "ContainerKitError", "OutOfMemory",
    "InvalidArgument", "NotFound", "Exists", "Ambiguous", "InUse",
    "IOFailure", "Corrupt", "PermissionDenied", "Unsupported", "ConfigError",
    "StateError", "Busy", "VersionMismatch", "RuntimeFailure",
    "DigestMismatch", "NetworkError", "Timeout", "AuthError",
    "version", "version_number", "features", "feature_enabled",
    "error_name", "error_describe", "library_path",
    "CK_OK", "CK_ERROR", "CK_ENOMEM", "CK_EINVAL", "CK_ENOTFOUND",
    "CK_EEXISTS", "CK_EAMBIGUOUS", "CK_EINUSE", "CK_EIO", "CK_ECORRUPT",
    "CK_EPERM", "CK_EUNSUPPORTED", "CK_ECONFIG", "CK_ESTATE", "CK_EBUSY",
    "CK_EVERSION", "CK_ERUNTIME", "CK_EDIGEST", "CK_ENETWORK", "CK_ETIMEOUT",
    "CK_EAUTH", "CK_CONTEXT_NO_ENV", "CK_CONTEXT_NO_CONFIG",
]

# Values from the public headers (error.h, context.h, common.h, system.h).
CK_OK = 0
CK_ERROR = -1
CK_ENOMEM = -2
CK_EINVAL = -3
CK_ENOTFOUND = -4
CK_EEXISTS = -5
CK_EAMBIGUOUS = -6
CK_EINUSE = -7
CK_EIO = -8
CK_ECORRUPT = -9
CK_EPERM = -10
CK_EUNSUPPORTED = -11
CK_ECONFIG = -12
CK_ESTATE = -13
CK_EBUSY = -14
CK_EVERSION = -15
CK_ERUNTIME = -16
CK_EDIGEST = -17
CK_ENETWORK = -18
CK_ETIMEOUT = -19
CK_EAUTH = -20

CK_CONTEXT_NO_ENV = 1 << 0
CK_CONTEXT_NO_CONFIG = 1 << 1
CK_CONTEXT_OPTIONS_VERSION = 1

_CK_REMOVE_FORCE = 1 << 0
_CK_CHECK_REPAIR = 1 << 0


class LogLevel(enum.IntEnum):
    """ck_log_level: from the most to the least important."""
    ERROR = 0
    WARN = 1
    INFO = 2
    DEBUG = 3
    TRACE = 4


# --- errors -----------------------------------------------------------------

class ContainerKitError(Exception):
    """A failed library call.

    code    -- the negative CK_E* code the call returned
    name    -- its symbolic name, as ck_error_name() gives it ("CK_ENOTFOUND")
    message -- ck_error_last()->message: names the object and the cause
    errno   -- errno of the failing system call, or 0
    """

    def __init__(self, code, message, errno=0, name=None):
        self.code = code
        self.message = message
        self.errno = errno
        self.name = name if name is not None else error_name(code)
        super().__init__(code, message)

    def __str__(self):
        return "%s: %s" % (self.name, self.message)


class OutOfMemory(ContainerKitError, MemoryError):
    """CK_ENOMEM"""


class InvalidArgument(ContainerKitError, ValueError):
    """CK_EINVAL: an argument or input is malformed."""


class NotFound(ContainerKitError, LookupError):
    """CK_ENOTFOUND: the named object, file or key does not exist."""


class Exists(ContainerKitError):
    """CK_EEXISTS: the name or id is already taken."""


class Ambiguous(ContainerKitError, LookupError):
    """CK_EAMBIGUOUS: an id prefix matches more than one object."""


class InUse(ContainerKitError):
    """CK_EINUSE: the object is used by another one."""


class IOFailure(ContainerKitError):
    """CK_EIO: a system call failed; see .errno."""


class Corrupt(ContainerKitError):
    """CK_ECORRUPT: stored data is damaged or of the wrong type."""


class PermissionDenied(ContainerKitError):
    """CK_EPERM: not permitted for this user."""


class Unsupported(ContainerKitError):
    """CK_EUNSUPPORTED: not supported on this host or build."""


class ConfigError(ContainerKitError):
    """CK_ECONFIG: a configuration file or value is wrong."""


class StateError(ContainerKitError):
    """CK_ESTATE: the object is in the wrong state for the call."""


class Busy(ContainerKitError):
    """CK_EBUSY: the store or object stayed locked past the deadline."""


class VersionMismatch(ContainerKitError):
    """CK_EVERSION: an options struct or stored data has an unknown version."""


class RuntimeFailure(ContainerKitError):
    """CK_ERUNTIME: the OCI runtime failed."""


class DigestMismatch(ContainerKitError):
    """CK_EDIGEST: content does not match its digest."""


class NetworkError(ContainerKitError):
    """CK_ENETWORK: a network or registry operation failed."""


class Timeout(ContainerKitError):
    """CK_ETIMEOUT: a wait ran out of time."""


class AuthError(ContainerKitError):
    """CK_EAUTH: authentication was refused."""


_ERROR_CLASSES = {
    CK_ENOMEM: OutOfMemory,
    CK_EINVAL: InvalidArgument,
    CK_ENOTFOUND: NotFound,
    CK_EEXISTS: Exists,
    CK_EAMBIGUOUS: Ambiguous,
    CK_EINUSE: InUse,
    CK_EIO: IOFailure,
    CK_ECORRUPT: Corrupt,
    CK_EPERM: PermissionDenied,
    CK_EUNSUPPORTED: Unsupported,
    CK_ECONFIG: ConfigError,
    CK_ESTATE: StateError,
    CK_EBUSY: Busy,
    CK_EVERSION: VersionMismatch,
    CK_ERUNTIME: RuntimeFailure,
    CK_EDIGEST: DigestMismatch,
    CK_ENETWORK: NetworkError,
    CK_ETIMEOUT: Timeout,
    CK_EAUTH: AuthError,
}


# --- the library ------------------------------------------------------------

class _CkError(ctypes.Structure):
    # struct ck_error (error.h); fields may only be appended by the library.
    _fields_ = [
        ("code", ctypes.c_int),
        ("sys_errno", ctypes.c_int),
        ("message", ctypes.c_char_p),
    ]


# typedef void (*ck_log_fn)(int level, const char *message, void *payload);
_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
# typedef void (*ck_migrate_progress_fn)(const char *phase, uint64_t done,
#                                        uint64_t total, void *payload);
_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_uint64,
                                ctypes.c_uint64, ctypes.c_void_p)


class _ContextOptions(ctypes.Structure):
    # struct ck_context_options (context.h), version 1, field for field.
    _fields_ = [
        ("version", ctypes.c_uint),
        ("root", ctypes.c_char_p),
        ("runroot", ctypes.c_char_p),
        ("db_backend", ctypes.c_char_p),
        ("runtime", ctypes.c_char_p),
        ("config_path", ctypes.c_char_p),
        ("log_fn", _LOG_FN),
        ("log_payload", ctypes.c_void_p),
        ("log_level", ctypes.c_int),
        ("flags", ctypes.c_uint),
    ]


def _find_library():
    path = os.environ.get("CONTAINERKIT_LIBRARY")
    if path:
        return path
    return ctypes.util.find_library("containerkit") or "libcontainerkit.so.1"


_c_int, _c_void_p, _c_char_p = ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p
_c_size_t, _c_uint = ctypes.c_size_t, ctypes.c_uint
_P = ctypes.POINTER

# name: (restype, argtypes).  Out parameters are declared as void pointers so
# that the binding keeps the raw pointer it must hand back to the free call.
_PROTOTYPES = {
    "ck_free": (None, [_c_void_p]),
    "ck_strv_free": (None, [_c_void_p]),
    "ck_version": (_c_char_p, []),
    "ck_version_number": (_c_int, []),
    "ck_feature_enabled": (_c_int, [_c_char_p]),
    "ck_features": (_P(_c_char_p), []),
    "ck_error_last": (_P(_CkError), []),
    "ck_error_name": (_c_char_p, [_c_int]),
    "ck_error_describe": (_c_char_p, [_c_int]),
    "ck_context_options_init": (_c_int, [_P(_ContextOptions), _c_uint]),
    "ck_context_open": (_c_int, [_P(_c_void_p), _P(_ContextOptions)]),
    "ck_context_free": (None, [_c_void_p]),
    "ck_context_set_log": (_c_int, [_c_void_p, _c_int, _LOG_FN, _c_void_p]),
    "ck_context_root": (_c_char_p, [_c_void_p]),
    "ck_context_runroot": (_c_char_p, [_c_void_p]),
    "ck_context_db_backend": (_c_char_p, [_c_void_p]),
    "ck_context_runtime": (_c_char_p, [_c_void_p]),
    "ck_context_config_path": (_c_char_p, [_c_void_p]),
    "ck_context_is_rootless": (_c_int, [_c_void_p]),
    "ck_volume_spec_new": (_c_int, [_P(_c_void_p)]),
    "ck_volume_spec_free": (None, [_c_void_p]),
    "ck_volume_spec_set_name": (_c_int, [_c_void_p, _c_char_p]),
    "ck_volume_spec_set_driver": (_c_int, [_c_void_p, _c_char_p]),
    "ck_volume_spec_set_label": (_c_int, [_c_void_p, _c_char_p, _c_char_p]),
    "ck_volume_create": (_c_int, [_P(_c_void_p), _c_void_p, _c_void_p]),
    "ck_volume_lookup": (_c_int, [_P(_c_void_p), _c_void_p, _c_char_p]),
    "ck_volume_list": (_c_int, [_P(_P(_c_void_p)), _P(_c_size_t), _c_void_p,
                                _P(_c_char_p)]),
    "ck_volume_list_free": (None, [_P(_c_void_p), _c_size_t]),
    "ck_volume_remove": (_c_int, [_c_void_p, _c_uint]),
    "ck_volume_prune": (_c_int, [_P(_P(_c_void_p)), _c_void_p, _P(_c_char_p)]),
    "ck_volume_free": (None, [_c_void_p]),
    "ck_volume_name": (_c_char_p, [_c_void_p]),
    "ck_volume_driver": (_c_char_p, [_c_void_p]),
    "ck_volume_mountpoint": (_c_char_p, [_c_void_p]),
    "ck_volume_created": (ctypes.c_int64, [_c_void_p]),
    "ck_volume_label": (_c_char_p, [_c_void_p, _c_char_p]),
    "ck_volume_users": (_c_size_t, [_c_void_p]),
    "ck_volume_inspect": (_c_int, [_P(_c_void_p), _c_void_p]),
    "ck_system_info": (_c_int, [_P(_c_void_p), _c_void_p]),
    "ck_system_migrate": (_c_int, [_P(_c_void_p), _c_void_p, _c_char_p,
                                   _PROGRESS_FN, _c_void_p]),
    "ck_system_check": (_c_int, [_P(_c_void_p), _c_void_p, _c_uint]),
    "ck_system_reset": (_c_int, [_c_void_p]),
}


def _load():
    lib = ctypes.CDLL(_find_library())
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _load()


def library_path():
    """The path the library was loaded from (as passed to dlopen)."""
    return _lib._name


def _dec(b):
    return None if b is None else os.fsdecode(b)


def _enc(s, what):
    if s is None:
        return None
    if isinstance(s, bytes):
        b = s
    elif isinstance(s, (str, os.PathLike)):
        b = os.fsencode(s)
    else:
        raise TypeError("%s must be a string or a path, not %s" % (what, type(s).__name__))
    if b"\0" in b:
        raise ValueError("%s contains a NUL byte" % what)
    return b


def _error(rc):
    """Builds the exception for a failed call.  Must run right after the call,
    before any other library call on this thread, since that clears the error."""
    err = _lib.ck_error_last().contents
    code, sys_errno = err.code, err.sys_errno
    message = err.message.decode("utf-8", "replace") if err.message else ""
    if code != rc:
        # The return value is authoritative; keep the message if it has one.
        code = rc
    if not message:
        message = error_describe(code)
    cls = _ERROR_CLASSES.get(code, ContainerKitError)
    return cls(code, message, sys_errno, error_name(code))


def _check(rc):
    if rc < 0:
        raise _error(rc)
    return rc


def _take_string(ptr):
    """Copies a library-allocated char * and releases it with ck_free()."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "replace")
    finally:
        _lib.ck_free(ptr)
        ptr.value = None


def _take_strv(ptr):
    """Copies a library-allocated NULL-terminated char ** and releases it with
    ck_strv_free()."""
    if not ptr:
        return []
    try:
        out = []
        i = 0
        while ptr[i]:
            out.append(os.fsdecode(ctypes.string_at(ptr[i])))
            i += 1
        return out
    finally:
        _lib.ck_strv_free(ptr)


def _filter_array(filters):
    """podman filters as a NULL-terminated const char *const * (or None).

    Accepts an iterable of "key=value" strings, or a mapping from a key to a
    value or to a list of values ({"label": ["a", "b=c"], "dangling": True})."""
    if filters is None:
        return None
    if isinstance(filters, (str, bytes)):
        filters = [filters]
    items = []
    if hasattr(filters, "items"):
        for key, val in filters.items():
            vals = val if isinstance(val, (list, tuple, set, frozenset)) else [val]
            for v in vals:
                if isinstance(v, bool):
                    v = "true" if v else "false"
                items.append("%s=%s" % (key, v))
    else:
        items = list(filters)
    arr = (_c_char_p * (len(items) + 1))()
    for i, f in enumerate(items):
        arr[i] = _enc(f, "filter")
    arr[len(items)] = None
    return arr


# --- module functions -------------------------------------------------------

def version():
    """The version of the library actually loaded, as "MAJOR.MINOR.PATCH"."""
    return _lib.ck_version().decode()


def version_number():
    """MAJOR * 10000 + MINOR * 100 + PATCH of the library actually loaded."""
    return _lib.ck_version_number()


def features():
    """The names of every feature compiled into the library."""
    arr = _lib.ck_features()
    out = []
    if arr:
        i = 0
        while arr[i] is not None:
            out.append(arr[i].decode())
            i += 1
    return out


def feature_enabled(name):
    """True if the named feature ("backend.lmdb", ...) is compiled in."""
    return bool(_lib.ck_feature_enabled(_enc(name, "feature name")))


def error_name(code):
    """The symbolic name of a code, such as "CK_ENOTFOUND"."""
    return _lib.ck_error_name(code).decode()


def error_describe(code):
    """A short generic description of a code."""
    return _lib.ck_error_describe(code).decode()


# --- handle ownership ---------------------------------------------------------

class _Resource:
    """One allocation to hand back to the library, shared by `refs` owners.

    The context keeps every live resource, so that closing it frees them
    first (the library requires handles to go before their context), and so
    that a volume collected after its context never frees a handle twice."""

    __slots__ = ("_free", "_args", "_refs", "_ctx", "__weakref__")

    def __init__(self, ctx, free, args, refs=1):
        self._ctx = ctx
        self._free = free
        self._args = args
        self._refs = refs
        ctx._track(self)

    @property
    def alive(self):
        return self._free is not None

    def release(self):
        """Drops one owner; frees the allocation when the last one goes."""
        with self._ctx._lock:
            if self._free is None:
                return
            self._refs -= 1
            if self._refs > 0:
                return
        self.kill()

    def kill(self):
        """Frees the allocation now, whatever the owners."""
        with self._ctx._lock:
            free, self._free = self._free, None
            args, self._args = self._args, None
            self._ctx._resources.discard(self)
        if free is not None:
            free(*args)


# --- context -----------------------------------------------------------------

def _log_level_value(level):
    if level is None:
        return -1
    if isinstance(level, str):
        try:
            return int(LogLevel[level.upper()])
        except KeyError:
            raise ValueError("unknown log level %r (use %s)" % (
                level, ", ".join(l.name.lower() for l in LogLevel))) from None
    return int(level)


def _wrap_log(fn):
    """A ck_log_fn that calls fn(level: LogLevel, message: str)."""
    def trampoline(level, message, payload):
        try:
            lvl = LogLevel(level)
        except ValueError:
            lvl = level
        fn(lvl, message.decode("utf-8", "replace") if message else "")
    return _LOG_FN(trampoline)


class Context:
    """ck_context: the root object (storage paths, state backend, runtime,
    logging).  Use it as a context manager, or call close().

    log       -- callable(level: LogLevel, message: str), called for each log
                 line up to log_level (possibly from other threads)
    log_level -- a LogLevel, its name ("debug"), or None for the default
    flags     -- CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG
    """

    def __init__(self, root=None, runroot=None, db_backend=None, runtime=None,
                 config_path=None, flags=0, log=None, log_level=None):
        self._ptr = None
        self._lock = threading.RLock()
        self._resources = set()
        # Every callback ever installed stays referenced until close(): another
        # thread may still be inside one that was just replaced.
        self._callbacks = []

        opts = _ContextOptions()
        _check(_lib.ck_context_options_init(ctypes.byref(opts), CK_CONTEXT_OPTIONS_VERSION))
        opts.root = _enc(root, "root")
        opts.runroot = _enc(runroot, "runroot")
        opts.db_backend = _enc(db_backend, "db_backend")
        opts.runtime = _enc(runtime, "runtime")
        opts.config_path = _enc(config_path, "config_path")
        opts.flags = int(flags)
        opts.log_level = _log_level_value(log_level)
        if log is not None:
            if not callable(log):
                raise TypeError("log must be callable")
            cb = _wrap_log(log)
            self._callbacks.append(cb)
            opts.log_fn = cb
        out = _c_void_p()
        _check(_lib.ck_context_open(ctypes.byref(out), ctypes.byref(opts)))
        self._ptr = out

    # lifetime

    def close(self):
        """Frees every handle still open from this context, then the context.
        Calling it again does nothing."""
        with self._lock:
            ptr, self._ptr = self._ptr, None
            pending = list(self._resources)
        if ptr is None:
            return
        for res in pending:
            res.kill()
        _lib.ck_context_free(ptr)
        self._callbacks = []

    @property
    def closed(self):
        return self._ptr is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_ptr", None) is not None:
            warnings.warn("unclosed containerkit.Context %r" % (self,), ResourceWarning,
                          source=self)
            self.close()

    def __repr__(self):
        if self._ptr is None:
            return "<containerkit.Context closed>"
        return "<containerkit.Context root=%r backend=%r>" % (self.root, self.db_backend)

    def _handle(self):
        ptr = self._ptr
        if ptr is None:
            raise ValueError("the containerkit context is closed")
        return ptr

    def _track(self, res):
        with self._lock:
            if self._ptr is None:
                raise ValueError("the containerkit context is closed")
            self._resources.add(res)

    # settings

    @property
    def root(self):
        return _dec(_lib.ck_context_root(self._handle()))

    @property
    def runroot(self):
        return _dec(_lib.ck_context_runroot(self._handle()))

    @property
    def db_backend(self):
        return _dec(_lib.ck_context_db_backend(self._handle()))

    @property
    def runtime(self):
        return _dec(_lib.ck_context_runtime(self._handle()))

    @property
    def config_path(self):
        return _dec(_lib.ck_context_config_path(self._handle()))

    @property
    def rootless(self):
        return bool(_lib.ck_context_is_rootless(self._handle()))

    def set_log(self, log, level=LogLevel.WARN):
        """Replaces the logging callback; log=None turns logging off."""
        if log is not None and not callable(log):
            raise TypeError("log must be callable")
        cb = _wrap_log(log) if log is not None else _LOG_FN()
        lvl = _log_level_value(level)
        with self._lock:
            _check(_lib.ck_context_set_log(self._handle(), lvl, cb, None))
            if log is not None:
                self._callbacks.append(cb)

    # volumes

    def _volume(self, ptr):
        try:
            res = _Resource(self, _lib.ck_volume_free, (ptr,))
        except BaseException:
            _lib.ck_volume_free(ptr)
            raise
        return Volume._new(self, ptr, res)

    def volume_create(self, name=None, labels=None, driver=None):
        """Creates a volume (record and directory) and returns it.  Raises
        Exists if the name is taken, InvalidArgument for a bad name."""
        ctx = self._handle()
        spec = _c_void_p()
        _check(_lib.ck_volume_spec_new(ctypes.byref(spec)))
        try:
            if name is not None:
                _check(_lib.ck_volume_spec_set_name(spec, _enc(name, "name")))
            if driver is not None:
                _check(_lib.ck_volume_spec_set_driver(spec, _enc(driver, "driver")))
            for key, value in (labels or {}).items():
                _check(_lib.ck_volume_spec_set_label(
                    spec, _enc(key, "label key"), _enc("" if value is None else value, "label value")))
            out = _c_void_p()
            _check(_lib.ck_volume_create(ctypes.byref(out), ctx, spec))
        finally:
            _lib.ck_volume_spec_free(spec)
        return self._volume(out)

    def volume_lookup(self, name):
        """The volume with this full name or unique prefix.  Raises NotFound
        or Ambiguous."""
        out = _c_void_p()
        _check(_lib.ck_volume_lookup(ctypes.byref(out), self._handle(), _enc(name, "name")))
        return self._volume(out)

    def volumes(self, filters=None):
        """Volumes sorted by name, matching the podman filters: a list such as
        ["name=web", "label=tier=db"] or a mapping such as
        {"label": ["tier=db"], "dangling": True}."""
        arr = _filter_array(filters)
        out = _P(_c_void_p)()
        count = _c_size_t()
        _check(_lib.ck_volume_list(ctypes.byref(out), ctypes.byref(count), self._handle(), arr))
        n = count.value
        if n == 0:
            _lib.ck_volume_list_free(out, 0)
            return []
        # The array is freed as a whole once its last Volume is closed.
        try:
            res = _Resource(self, _lib.ck_volume_list_free, (out, n), refs=n)
        except BaseException:
            _lib.ck_volume_list_free(out, n)
            raise
        return [Volume._new(self, _c_void_p(out[i]), res) for i in range(n)]

    def volume_prune(self, filters=None):
        """Removes every unused volume matching the filters; returns the names
        of the removed ones."""
        arr = _filter_array(filters)
        removed = _P(_c_void_p)()
        _check(_lib.ck_volume_prune(ctypes.byref(removed), self._handle(), arr))
        return _take_strv(removed)

    # system

    def info(self):
        """A description of the host and the store (ck_system_info)."""
        out = _c_void_p()
        _check(_lib.ck_system_info(ctypes.byref(out), self._handle()))
        return json.loads(_take_string(out))

    def check(self, repair=False):
        """Checks the store (and with repair=True fixes what can be fixed
        without losing data).  Returns the report {"backend", "ok",
        "problems"} also when problems remain (report["ok"] is then False)."""
        out = _c_void_p()
        rc = _lib.ck_system_check(ctypes.byref(out), self._handle(),
                                  _CK_CHECK_REPAIR if repair else 0)
        if rc < 0:
            exc = _error(rc)
            if not (rc == CK_ECORRUPT and out.value):
                _lib.ck_free(out)
                raise exc
        return json.loads(_take_string(out))

    def migrate(self, to, progress=None):
        """Moves the store to the backend `to` ("sqlite" or "lmdb") and
        returns the path of the backup of the old store.  progress, if given,
        is called as progress(phase, done, total)."""
        cb = _PROGRESS_FN()
        if progress is not None:
            def trampoline(phase, done, total, payload):
                progress(phase.decode() if phase else "", done, total)
            cb = _PROGRESS_FN(trampoline)
        out = _c_void_p()
        _check(_lib.ck_system_migrate(ctypes.byref(out), self._handle(), _enc(to, "backend"),
                                      cb, None))
        return _take_string(out)

    def reset(self):
        """Removes every record, volume and image.  Open handles stay valid
        as snapshots."""
        _check(_lib.ck_system_reset(self._handle()))


# --- volumes -----------------------------------------------------------------

class Volume:
    """ck_volume: a snapshot of a volume record.  Use it as a context
    manager or call close(); otherwise it is freed when collected, and at
    the latest when its context is closed.  Not thread-safe."""

    __slots__ = ("_ctx", "_ptr", "_res", "_owned", "__weakref__")

    def __init__(self):
        raise TypeError("volumes come from Context.volume_create/volume_lookup/volumes")

    @classmethod
    def _new(cls, ctx, ptr, res):
        self = object.__new__(cls)
        self._ctx = ctx   # keeps the context alive as long as the handle
        self._ptr = ptr
        self._res = res
        self._owned = True
        return self

    def close(self):
        """Releases the handle.  Calling it again does nothing."""
        if getattr(self, "_owned", False):
            self._owned = False
            self._res.release()

    @property
    def closed(self):
        return not (self._owned and self._res.alive)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _handle(self):
        if not (self._owned and self._res.alive):
            raise ValueError("the containerkit volume handle is closed")
        return self._ptr

    def __repr__(self):
        if self.closed:
            return "<containerkit.Volume closed>"
        return "<containerkit.Volume %r>" % self.name

    @property
    def name(self):
        return _dec(_lib.ck_volume_name(self._handle()))

    @property
    def driver(self):
        return _dec(_lib.ck_volume_driver(self._handle()))

    @property
    def mountpoint(self):
        """Host path of the volume's data directory."""
        return _dec(_lib.ck_volume_mountpoint(self._handle()))

    @property
    def created(self):
        """Creation time, in seconds since the epoch."""
        return _lib.ck_volume_created(self._handle())

    @property
    def users(self):
        """Number of containers using the volume."""
        return _lib.ck_volume_users(self._handle())

    def label(self, key, default=None):
        """The value of one label, or `default` if it is not set."""
        v = _lib.ck_volume_label(self._handle(), _enc(key, "label key"))
        return default if v is None else v.decode("utf-8", "replace")

    @property
    def labels(self):
        """Every label, as a dict (from the inspect JSON)."""
        return dict(self.inspect().get("Labels") or {})

    def inspect(self):
        """The volume as `podman volume inspect` shows it (one object)."""
        out = _c_void_p()
        _check(_lib.ck_volume_inspect(ctypes.byref(out), self._handle()))
        return json.loads(_take_string(out))

    def remove(self, force=False):
        """Removes the volume's record and directory.  Raises InUse if a
        container uses it, unless force.  The handle stays open (a snapshot)."""
        _check(_lib.ck_volume_remove(self._handle(), _CK_REMOVE_FORCE if force else 0))
