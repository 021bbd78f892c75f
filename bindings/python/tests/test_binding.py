"""The Python binding against the real libcontainerkit, in temporary roots.

Run: python3 -m unittest discover -s bindings/python/tests
(with CONTAINERKIT_LIBRARY naming the library and PYTHONPATH=bindings/python)."""

import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

import containerkit as ck

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
VERSION_H = os.path.join(SOURCE_ROOT, "include", "containerkit", "version.h")
ISOLATED = ck.CK_CONTEXT_NO_ENV | ck.CK_CONTEXT_NO_CONFIG
HAVE_LMDB = ck.feature_enabled("backend.lmdb")


def header_version():
    with open(VERSION_H) as f:
        m = re.search(r'^#define\s+CK_VERSION_STRING\s+"([^"]+)"', f.read(), re.M)
    return m.group(1)


def open_fds():
    return len(os.listdir("/proc/self/fd"))


class TempRoots(unittest.TestCase):
    """Each test gets its own storage root and run root."""

    backend = None

    def setUp(self):
        base = os.environ.get("CK_TEST_TMPDIR")
        if base:
            os.makedirs(base, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="ck-py-", dir=base or None)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, "root")
        self.runroot = os.path.join(self.tmp, "run")

    def open(self, **kw):
        kw.setdefault("root", self.root)
        kw.setdefault("runroot", self.runroot)
        kw.setdefault("flags", ISOLATED)
        if self.backend and "db_backend" not in kw:
            kw["db_backend"] = self.backend
        ctx = ck.Context(**kw)
        self.addCleanup(ctx.close)
        return ctx


class VersionTests(unittest.TestCase):
    def test_version_matches_header(self):
        self.assertEqual(ck.version(), header_version())
        major, minor, patch = (int(x) for x in header_version().split("."))
        self.assertEqual(ck.version_number(), major * 10000 + minor * 100 + patch)

    def test_features_list_the_sqlite_backend(self):
        feats = ck.features()
        self.assertIn("backend.sqlite", feats)
        self.assertTrue(ck.feature_enabled("backend.sqlite"))
        self.assertFalse(ck.feature_enabled("no.such.feature"))
        for f in feats:
            self.assertTrue(ck.feature_enabled(f), f)

    def test_error_names(self):
        self.assertEqual(ck.error_name(ck.CK_ENOTFOUND), "CK_ENOTFOUND")
        self.assertEqual(ck.error_name(ck.CK_ECONFIG), "CK_ECONFIG")
        self.assertEqual(ck.error_name(-999), "CK_E?")
        self.assertTrue(ck.error_describe(ck.CK_EEXISTS))

    def test_library_path_honours_environment(self):
        env = os.environ.get("CONTAINERKIT_LIBRARY")
        if not env:
            self.skipTest("CONTAINERKIT_LIBRARY is not set")
        self.assertEqual(ck.library_path(), env)


class ContextTests(TempRoots):
    def test_paths_and_defaults(self):
        with ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED) as ctx:
            self.assertEqual(ctx.root, self.root)
            self.assertEqual(ctx.runroot, self.runroot)
            self.assertTrue(os.path.isdir(self.root))
            self.assertTrue(os.path.isdir(self.runroot))
            self.assertEqual(ctx.db_backend, "sqlite")
            self.assertEqual(ctx.runtime, "crun")
            self.assertIsNone(ctx.config_path)
            self.assertEqual(ctx.rootless, os.geteuid() != 0)
            self.assertFalse(ctx.closed)
        self.assertTrue(ctx.closed)
        with self.assertRaises(ValueError):
            ctx.root
        ctx.close()  # a second close does nothing

    def test_relative_paths_become_absolute(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, cwd)
        ctx = self.open(root="rel-root/", runroot="rel-run", runtime="runc")
        self.assertEqual(ctx.root, os.path.join(self.tmp, "rel-root"))
        self.assertEqual(ctx.runroot, os.path.join(self.tmp, "rel-run"))
        self.assertEqual(ctx.runtime, "runc")

    def test_pathlike_arguments(self):
        import pathlib
        ctx = self.open(root=pathlib.Path(self.root), runroot=pathlib.Path(self.runroot))
        self.assertEqual(ctx.root, self.root)

    @unittest.skipUnless(HAVE_LMDB, "built without the LMDB backend")
    def test_explicit_backend(self):
        ctx = self.open(db_backend="lmdb")
        self.assertEqual(ctx.db_backend, "lmdb")
        ctx.volume_create("v").close()
        self.assertEqual(ctx.db_backend, "lmdb")

    def test_unknown_backend_is_a_config_error(self):
        with self.assertRaises(ck.ContainerKitError) as cm:
            with ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED,
                            db_backend="nosuch") as ctx:
                ctx.volumes()  # the store is opened on first use
        e = cm.exception
        self.assertIsInstance(e, ck.ConfigError)
        self.assertEqual(e.code, -12)
        self.assertEqual(e.code, ck.CK_ECONFIG)
        self.assertEqual(e.name, "CK_ECONFIG")
        self.assertIn("nosuch", e.message)
        self.assertIn("nosuch", str(e))

    def test_malformed_backend_name_fails_at_open(self):
        with self.assertRaises(ck.ConfigError) as cm:
            ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED,
                       db_backend="No Such")
        self.assertEqual(cm.exception.code, ck.CK_ECONFIG)
        self.assertIn("No Such", cm.exception.message)

    def test_missing_config_file_is_reported(self):
        missing = os.path.join(self.tmp, "nope.conf")
        with self.assertRaises(ck.ContainerKitError) as cm:
            ck.Context(root=self.root, runroot=self.runroot, config_path=missing, flags=ISOLATED)
        self.assertLess(cm.exception.code, 0)
        self.assertIn("nope.conf", cm.exception.message)

    def test_config_file_is_read(self):
        conf = os.path.join(self.tmp, "ck.conf")
        with open(conf, "w") as f:
            f.write('# test\nruntime = "runc"\nlog_level = debug\n')
        got = []
        ctx = self.open(config_path=conf, root=self.root, log=lambda l, m: got.append(l))
        self.assertEqual(ctx.config_path, conf)
        self.assertEqual(ctx.runtime, "runc")
        self.assertIn(ck.LogLevel.DEBUG, got)
        # Options win over the file.
        ctx2 = self.open(config_path=conf, runtime="crun")
        self.assertEqual(ctx2.runtime, "crun")

    def test_bad_config_file_is_a_config_error(self):
        conf = os.path.join(self.tmp, "bad.conf")
        with open(conf, "w") as f:
            f.write("colour = blue\n")
        with self.assertRaises(ck.ConfigError) as cm:
            ck.Context(root=self.root, runroot=self.runroot, config_path=conf, flags=ISOLATED)
        self.assertIn("colour", cm.exception.message)
        self.assertIn("bad.conf", cm.exception.message)

    def test_bad_log_level(self):
        with self.assertRaises(ck.InvalidArgument):
            ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED,
                       log=lambda l, m: None, log_level=9)
        with self.assertRaises(ValueError):
            ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED, log_level="loud")
        ctx = self.open()
        with self.assertRaises(ck.InvalidArgument):
            ctx.set_log(lambda l, m: None, -1)

    def test_closing_the_context_closes_its_volumes(self):
        ctx = ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED)
        vol = ctx.volume_create("kept")
        listed = ctx.volumes()
        self.assertFalse(vol.closed)
        ctx.close()
        self.assertTrue(vol.closed)
        self.assertTrue(all(v.closed for v in listed))
        with self.assertRaises(ValueError):
            vol.name
        vol.close()
        with self.assertRaises(ValueError):
            ctx.volume_create("other")


class LoggingTests(TempRoots):
    def test_callback_receives_debug_messages(self):
        got = []
        ctx = self.open(log=lambda level, msg: got.append((level, msg)), log_level="debug")
        self.assertTrue(got, "no log line at debug level")
        levels = {lvl for lvl, _ in got}
        self.assertIn(ck.LogLevel.DEBUG, levels)
        self.assertTrue(all(lvl <= ck.LogLevel.DEBUG for lvl in levels))
        self.assertTrue(any(self.root in msg for _, msg in got), got)
        self.assertTrue(all(isinstance(m, str) and not m.endswith("\n") for _, m in got))
        ctx.volume_create("logged").close()

    def test_default_level_is_quieter_than_debug(self):
        got = []
        self.open(log=lambda level, msg: got.append(level))
        self.assertNotIn(ck.LogLevel.DEBUG, got)

    def test_set_log_replaces_and_removes_the_callback(self):
        first, second = [], []
        ctx = self.open(log=lambda l, m: first.append(m), log_level=ck.LogLevel.DEBUG)
        n = len(first)
        ctx.set_log(lambda l, m: second.append((l, m)), ck.LogLevel.TRACE)
        ctx.set_log(None)
        ctx.volume_create("quiet").close()
        ctx.volumes()
        self.assertEqual(len(first), n)
        self.assertEqual(second, [])

    def test_callback_survives_garbage_collection(self):
        got = []

        def make():
            return lambda l, m: got.append(m)

        ctx = self.open(log=make(), log_level="trace")
        gc.collect()
        before = len(got)
        ctx.set_log(make(), "trace")
        gc.collect()
        with self.assertRaises(ck.NotFound):
            ctx.volume_lookup("absent")
        ctx.volume_create("x").close()
        os.rmdir(os.path.join(ctx.volume_lookup("x").mountpoint))
        # Looking up a volume whose directory went missing recreates it and
        # warns through the callback installed last.
        with ctx.volume_lookup("x") as v:
            self.assertTrue(os.path.isdir(v.mountpoint))
        self.assertGreater(len(got), before)


class VolumeTests(TempRoots):
    def test_create_lookup_inspect_remove(self):
        ctx = self.open()
        with ctx.volume_create("data", labels={"tier": "db", "empty": ""}) as vol:
            self.assertEqual(vol.name, "data")
            self.assertEqual(vol.driver, "local")
            self.assertEqual(vol.users, 0)
            self.assertTrue(vol.mountpoint.startswith(self.root + os.sep), vol.mountpoint)
            self.assertTrue(os.path.isdir(vol.mountpoint))
            self.assertIsInstance(vol.created, int)
            import time
            self.assertLessEqual(abs(vol.created - time.time()), 120)
            self.assertEqual(vol.label("tier"), "db")
            self.assertEqual(vol.label("empty"), "")
            self.assertIsNone(vol.label("missing"))
            self.assertEqual(vol.label("missing", "dflt"), "dflt")
            self.assertEqual(vol.labels, {"tier": "db", "empty": ""})
            info = vol.inspect()
            self.assertEqual(info["Name"], "data")
            self.assertEqual(info["Driver"], "local")
            self.assertEqual(info["Mountpoint"], vol.mountpoint)
            self.assertEqual(info["Labels"], {"tier": "db", "empty": ""})
            self.assertIn("CreatedAt", info)
            self.assertIn("data", repr(vol))
        self.assertTrue(vol.closed)

        with ctx.volume_lookup("data") as vol:
            mountpoint = vol.mountpoint
            self.assertEqual(vol.labels, {"tier": "db", "empty": ""})
            vol.remove()
            self.assertEqual(vol.name, "data")  # still a valid snapshot
            with self.assertRaises(ck.NotFound):
                vol.remove()
        self.assertFalse(os.path.exists(mountpoint))
        with self.assertRaises(ck.NotFound) as cm:
            ctx.volume_lookup("data")
        e = cm.exception
        self.assertEqual(e.code, ck.CK_ENOTFOUND)
        self.assertEqual(e.name, "CK_ENOTFOUND")
        self.assertIn("data", e.message)
        self.assertIsInstance(e.errno, int)
        self.assertIsInstance(e, LookupError)

    def test_generated_name(self):
        ctx = self.open()
        with ctx.volume_create() as vol:
            self.assertTrue(vol.name)
            name = vol.name
        with ctx.volume_lookup(name) as again:
            self.assertEqual(again.name, name)

    def test_lookup_by_prefix(self):
        ctx = self.open()
        ctx.volume_create("alpha-one").close()
        ctx.volume_create("alpha-two").close()
        ctx.volume_create("beta").close()
        with ctx.volume_lookup("be") as v:
            self.assertEqual(v.name, "beta")
        with ctx.volume_lookup("alpha-t") as v:
            self.assertEqual(v.name, "alpha-two")
        with self.assertRaises(ck.Ambiguous) as cm:
            ctx.volume_lookup("alpha")
        self.assertEqual(cm.exception.code, ck.CK_EAMBIGUOUS)

    def test_name_conflict_raises_exists(self):
        ctx = self.open()
        ctx.volume_create("taken", labels={"a": "1"}).close()
        with self.assertRaises(ck.Exists) as cm:
            ctx.volume_create("taken", labels={"a": "2"})
        e = cm.exception
        self.assertEqual(e.code, ck.CK_EEXISTS)
        self.assertEqual(e.name, "CK_EEXISTS")
        self.assertIn("taken", e.message)
        with ctx.volume_lookup("taken") as v:  # the first one is untouched
            self.assertEqual(v.label("a"), "1")
        self.assertEqual([v.name for v in ctx.volumes()], ["taken"])

    def test_invalid_name_raises_invalid_argument(self):
        ctx = self.open()
        for bad in ["-dash", "has space", "a/b", "..", "", "x" * 254, "ünï"]:
            with self.subTest(name=bad):
                with self.assertRaises(ck.InvalidArgument) as cm:
                    ctx.volume_create(bad)
                self.assertEqual(cm.exception.code, ck.CK_EINVAL)
                self.assertIsInstance(cm.exception, ValueError)
                self.assertTrue(cm.exception.message)
        self.assertEqual(ctx.volumes(), [])
        ctx.volume_create("x" * 253).close()
        with self.assertRaises(ValueError):
            ctx.volume_create("nul\0byte")

    def test_unsupported_driver(self):
        ctx = self.open()
        with self.assertRaises(ck.Unsupported) as cm:
            ctx.volume_create("d", driver="nfs")
        self.assertIn("nfs", cm.exception.message)
        ctx.volume_create("d", driver="local").close()

    def test_empty_label_key(self):
        ctx = self.open()
        with self.assertRaises(ck.InvalidArgument):
            ctx.volume_create("l", labels={"": "v"})
        self.assertEqual(ctx.volumes(), [])

    def test_list_and_filters(self):
        ctx = self.open()
        ctx.volume_create("web-data", labels={"app": "web", "tier": "front"}).close()
        ctx.volume_create("db-data", labels={"app": "db"}).close()
        ctx.volume_create("scratch").close()

        def names(filters=None):
            vols = ctx.volumes(filters)
            try:
                return [v.name for v in vols]
            finally:
                for v in vols:
                    v.close()

        self.assertEqual(names(), ["db-data", "scratch", "web-data"])
        self.assertEqual(names(["name=data"]), ["db-data", "web-data"])
        self.assertEqual(names({"name": "web"}), ["web-data"])
        self.assertEqual(names(["label=app"]), ["db-data", "web-data"])
        self.assertEqual(names(["label=app=db"]), ["db-data"])
        self.assertEqual(names({"label": ["app=db", "tier=front"]}), ["db-data", "web-data"])
        self.assertEqual(names(["label=app", "name=web"]), ["web-data"])
        self.assertEqual(names({"driver": "local"}), ["db-data", "scratch", "web-data"])
        self.assertEqual(names({"dangling": True}), ["db-data", "scratch", "web-data"])
        self.assertEqual(names({"dangling": False}), [])
        self.assertEqual(names(["name=nothing"]), [])
        with self.assertRaises(ck.InvalidArgument):
            ctx.volumes(["bogus=1"])
        with self.assertRaises(ck.InvalidArgument):
            ctx.volumes(["noequals"])

    def test_list_handles_are_independent(self):
        ctx = self.open()
        for n in ("a", "b", "c"):
            ctx.volume_create(n).close()
        vols = ctx.volumes()
        a, b, c = vols
        a.close()
        b.close()
        self.assertTrue(a.closed)
        self.assertEqual(c.name, "c")  # the list stays until its last member goes
        self.assertEqual(c.inspect()["Name"], "c")
        del vols, a, b
        gc.collect()
        self.assertEqual(c.name, "c")
        c.close()
        self.assertEqual(len(ctx._resources), 0)

    def test_prune(self):
        ctx = self.open()
        ctx.volume_create("keep", labels={"keep": "yes"}).close()
        ctx.volume_create("p1").close()
        ctx.volume_create("p2", labels={"x": "1"}).close()
        self.assertEqual(sorted(ctx.volume_prune({"label": "x"})), ["p2"])
        self.assertEqual(sorted(ctx.volume_prune(["name=p1"])), ["p1"])
        self.assertEqual(ctx.volume_prune(["name=p1"]), [])
        self.assertEqual(ctx.volume_prune(), ["keep"])
        self.assertEqual(ctx.volumes(), [])
        self.assertEqual(ctx.volume_prune(), [])

    def test_reset_empties_the_store(self):
        ctx = self.open()
        vol = ctx.volume_create("gone")
        mountpoint = vol.mountpoint
        ctx.reset()
        self.assertEqual(ctx.volumes(), [])
        self.assertFalse(os.path.exists(mountpoint))
        self.assertEqual(vol.name, "gone")  # handles stay valid as snapshots
        vol.close()
        ctx.volume_create("gone").close()
        self.assertEqual([v.name for v in ctx.volumes()], ["gone"])

    def test_two_contexts_share_one_store(self):
        a = self.open()
        b = self.open()
        a.volume_create("shared").close()
        with b.volume_lookup("shared") as v:
            self.assertEqual(v.name, "shared")
        with self.assertRaises(ck.Exists):
            b.volume_create("shared")

    def test_volumes_from_threads(self):
        ctx = self.open()
        errors = []

        def work(i):
            try:
                for j in range(5):
                    with ctx.volume_create("t%d-%d" % (i, j)) as v:
                        assert v.name == "t%d-%d" % (i, j)
                try:
                    ctx.volume_create("t%d-0" % i)
                except ck.Exists as e:
                    assert "t%d-0" % i in e.message, e.message
                else:
                    raise AssertionError("no Exists")
            except BaseException as e:  # reported by the main thread
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(ctx.volumes()), 20)


@unittest.skipUnless(HAVE_LMDB, "built without the LMDB backend")
class VolumeTestsLmdb(VolumeTests):
    backend = "lmdb"


class SystemTests(TempRoots):
    def test_info(self):
        ctx = self.open()
        ctx.volume_create("counted").close()
        info = ctx.info()
        self.assertIsInstance(info, dict)
        import json
        text = json.dumps(info)
        self.assertIn(self.root, text)
        self.assertIn("sqlite", text)

    def test_check_clean_store_is_ok(self):
        ctx = self.open()
        ctx.volume_create("fine").close()
        report = ctx.check()
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["problems"], [])
        self.assertEqual(report["backend"], "sqlite")
        self.assertTrue(ctx.check(repair=True)["ok"])

    def test_check_returns_the_report_when_problems_remain(self):
        ctx = self.open()
        ctx.volume_create("damaged").close()
        # A volume directory without a record.
        orphan = os.path.join(self.root, "volumes", "orphan", "_data")
        os.makedirs(orphan)
        report = ctx.check()
        self.assertFalse(report["ok"], report)
        kinds = {p["kind"] for p in report["problems"]}
        self.assertIn("orphan-volume-dir", kinds, report)
        self.assertTrue(all(not p["repaired"] for p in report["problems"]))
        repaired = ctx.check(repair=True)
        self.assertTrue(repaired["ok"], repaired)
        self.assertTrue(any(p["repaired"] for p in repaired["problems"]), repaired)
        self.assertTrue(ctx.check()["ok"])
        # Adopted, data kept.
        self.assertEqual(sorted(v.name for v in ctx.volumes()), ["damaged", "orphan"])

    @unittest.skipUnless(HAVE_LMDB, "built without the LMDB backend")
    def test_migrate_keeps_volumes(self):
        ctx = self.open()
        ctx.volume_create("m1", labels={"k": "v"}).close()
        ctx.volume_create("m2").close()
        phases = set()
        backup = ctx.migrate("lmdb", progress=lambda phase, done, total: phases.add(phase))
        self.assertTrue(backup and os.path.exists(backup), backup)
        self.assertLessEqual(phases, {"copy", "verify"})
        self.assertEqual([v.name for v in ctx.volumes()], ["m1", "m2"])
        self.assertEqual(ctx.db_backend, "lmdb")
        with ctx.volume_lookup("m1") as v:
            self.assertEqual(v.labels, {"k": "v"})
        ctx.volume_create("m3").close()
        self.assertTrue(ctx.check()["ok"])
        # Another context that names no backend follows the store's marker.
        with ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED) as other:
            self.assertEqual(other.db_backend, "lmdb")
            self.assertEqual([v.name for v in other.volumes()], ["m1", "m2", "m3"])

        with self.assertRaises(ck.InvalidArgument):
            ctx.migrate("lmdb")

        backup2 = ctx.migrate("sqlite")
        self.assertTrue(backup2 and os.path.exists(backup2), backup2)
        self.assertNotEqual(backup2, backup)
        self.assertEqual([v.name for v in ctx.volumes()], ["m1", "m2", "m3"])
        self.assertEqual(ctx.db_backend, "sqlite")
        ctx.close()

        # A fresh context finds the migrated store.
        with ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED) as again:
            self.assertEqual([v.name for v in again.volumes()], ["m1", "m2", "m3"])
            self.assertEqual(again.db_backend, "sqlite")

    # Regression: ck_context_db_backend() used to name the old backend right
    # after a migration, until a later call reopened the store.
    @unittest.skipUnless(HAVE_LMDB, "built without the LMDB backend")
    def test_db_backend_names_the_new_backend_right_after_migrate(self):
        ctx = self.open()
        ctx.volume_create("m").close()
        ctx.migrate("lmdb")
        self.assertEqual(ctx.db_backend, "lmdb")

    # Regression: a context opened with an explicit backend used to fail its
    # next call after migrating its own store (CK_ECONFIG "the store at ...
    # uses the lmdb backend, not sqlite").
    @unittest.skipUnless(HAVE_LMDB, "built without the LMDB backend")
    def test_explicit_backend_context_stays_usable_after_migrate(self):
        ctx = self.open(db_backend="sqlite")
        ctx.volume_create("m").close()
        ctx.migrate("lmdb")
        self.assertEqual([v.name for v in ctx.volumes()], ["m"])
        self.assertEqual(ctx.db_backend, "lmdb")

    def test_migrate_to_unknown_backend(self):
        ctx = self.open()
        ctx.volume_create("stay").close()
        with self.assertRaises(ck.ContainerKitError) as cm:
            ctx.migrate("nosuch")
        self.assertIn("nosuch", cm.exception.message)
        self.assertEqual(ctx.db_backend, "sqlite")
        self.assertEqual([v.name for v in ctx.volumes()], ["stay"])


class LeakTests(TempRoots):
    def churn(self, rounds):
        for i in range(rounds):
            with ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED,
                            log=lambda l, m: None, log_level="trace") as ctx:
                with ctx.volume_create("c%d" % i, labels={"i": str(i)}) as v:
                    v.inspect()
                vols = ctx.volumes({"label": "i"})
                self.assertEqual(len(vols), 1)
                vols[0].remove()
                # Left to the garbage collector and to close():
                ctx.volume_create("g%d" % i)
                ctx.volume_lookup("g%d" % i).labels
                ctx.info()
                ctx.check()
                ctx.volume_prune()
                try:
                    ctx.volume_lookup("absent")
                except ck.NotFound:
                    pass

    def test_descriptors_and_handles_are_released(self):
        self.churn(3)  # warm up: lazily loaded state
        gc.collect()
        fds = open_fds()
        self.churn(20)
        gc.collect()
        self.assertEqual(open_fds(), fds)

    def test_dropped_handles_are_freed_by_the_collector(self):
        ctx = self.open()
        ctx.volume_create("v").close()
        for _ in range(50):
            ctx.volume_lookup("v")
            ctx.volumes()
        gc.collect()
        self.assertEqual(len(ctx._resources), 0)

    def test_unclosed_context_warns(self):
        import warnings
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ctx = ck.Context(root=self.root, runroot=self.runroot, flags=ISOLATED)
            del ctx
            gc.collect()
        self.assertTrue(any(issubclass(x.category, ResourceWarning) for x in w))

    def test_clean_run_under_dev_mode(self):
        """A script that closes what it opens runs silently under -X dev with
        every warning an error."""
        script = textwrap.dedent("""
            import containerkit as ck, sys
            root, run = sys.argv[1], sys.argv[2]
            flags = ck.CK_CONTEXT_NO_ENV | ck.CK_CONTEXT_NO_CONFIG
            lines = []
            with ck.Context(root=root, runroot=run, flags=flags,
                            log=lambda l, m: lines.append(m), log_level="debug") as ctx:
                with ctx.volume_create("dev", labels={"a": "b"}) as v:
                    assert v.labels == {"a": "b"}
                for v in ctx.volumes():
                    with v:
                        v.inspect()
                try:
                    ctx.volume_create("dev")
                except ck.Exists:
                    pass
                ctx.volume_lookup("dev")  # dropped: freed by refcount
                assert ctx.check()["ok"]
                ctx.info()
                assert ctx.volume_prune() == ["dev"]
            assert lines
            print("done")
        """)
        env = dict(os.environ)
        proc = subprocess.run(
            [sys.executable, "-X", "dev", "-W", "error", "-c", script,
             os.path.join(self.tmp, "devroot"), os.path.join(self.tmp, "devrun")],
            env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "done")
        self.assertEqual(proc.stderr, "")


if __name__ == "__main__":
    unittest.main()
