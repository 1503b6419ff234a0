#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""budgets/schema.json and the C parser must agree on the corpus of tests/budgets/.

- Every good/*.yml validates against the schema.
- Every bad/*.yml either does not load as YAML or is rejected by the schema, except the files
  in SCHEMA_CANNOT_TELL, each with the reason a JSON schema cannot see the problem. Those must
  load and pass the schema, so a listed file the schema learns to reject fails here too, and a
  new bad file that the schema should catch but does not fails until the schema or the list is
  fixed.
- With --cli PATH: `perfbudget validate` exits 0 on every good file and 2 on every bad one,
  printing exactly the file:line:column: problems of its .expect file.
- The generated hostile files are what make_hostile.py makes.

YAML is read as the YAML language server in editors reads it: YAML 1.2 core schema (yes/no/on
are strings, 1e6 is a number, no merge keys, no timestamps) and keys as text, like the C parser.
Aliases are refused as the C parser refuses them: an alias bomb must not reach the validator.

    python3 tests/budgets/test_schema.py [--cli build/perfbudget] [unittest options]
"""
import argparse
import json
import math
import pathlib
import re
import subprocess
import sys
import unittest

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"skipped: {e} (pip install jsonschema pyyaml)", file=sys.stderr)
    sys.exit(77)  # CTest's SKIP_RETURN_CODE

HERE = pathlib.Path(__file__).resolve().parent
GOOD = HERE / "good"
BAD = HERE / "bad"
SCHEMA = HERE.parent.parent / "budgets" / "schema.json"
CLI = None  # set from --cli

# Bad files whose problem a JSON schema cannot express. Keep the reason precise: it is the
# documentation of what only `perfbudget validate` catches.
SCHEMA_CANNOT_TELL = {
    "duplicate_keys.yml":
        "duplicate keys: YAML loaders (PyYAML, the language server's) keep the last value, so "
        "the schema sees one key",
    "duplicate_budget.yml":
        "the same budget name twice (once quoted): a loader keeps the last entry",
    "warn_beyond_fail.yml":
        "warn beyond fail compares two quantities with units; JSON Schema cannot compare values",
    "critical_below_threshold.yml":
        "critical below threshold compares two values; JSON Schema cannot",
    "anchor.yml":
        "anchors are resolved by the YAML loader before the schema sees the data",
    "version_float.yml":
        "version: 1.0 is the number 1 once loaded; JSON has no 1.0 distinct from 1",
    "durations_too_long.yml":
        "a duration's size depends on its unit (ms, s, min); the schema sees text with a unit",
    "number_notation.yml":
        "YAML 1.2 reads 0x10, 0o17 and +5 as the numbers 16, 15 and 5; the schema sees the "
        "number, not how it was written",
}


def _core12_loader():
    """SafeLoader with YAML 1.2 core-schema scalars, no merge keys, and keys kept as text."""

    class Core12Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            # perfbudget refuses aliases; so does this test, or a billion-laughs file would
            # expand in the schema validator's error messages.
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, "aliases are refused, as perfbudget refuses them",
                    event.start_mark)
            return super().compose_node(parent, index)

    Core12Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                               "tag:yaml.org,2002:float", "tag:yaml.org,2002:null",
                               "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    rules = [
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
         list("-+0123456789")),
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+.0123456789")),
    ]
    for tag, pattern, first in rules:
        Core12Loader.add_implicit_resolver(tag, re.compile(pattern), first)

    def construct_int(loader, node):
        text = loader.construct_scalar(node)
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)

    def construct_float(loader, node):
        text = loader.construct_scalar(node).lower()
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        return float(text)

    def construct_bool(loader, node):
        return loader.construct_scalar(node).lower() == "true"

    def construct_mapping(loader, node, deep=False):
        # Keys as written, as the C parser and JSON see them: "1" is a name, not a number.
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping",
                                                    node.start_mark)
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found a key that is not a scalar", key_node.start_mark)
            mapping[key_node.value] = loader.construct_object(value_node, deep=deep)
        return mapping

    Core12Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Core12Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    Core12Loader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
    Core12Loader.add_constructor("tag:yaml.org,2002:map",
                                 lambda loader, node: construct_mapping(loader, node, deep=True))
    return Core12Loader


LOADER = _core12_loader()


class NotYaml(Exception):
    pass


def load(path):
    """The file's data, or NotYaml when a YAML loader refuses it."""
    try:
        return yaml.load(path.read_bytes(), Loader=LOADER)
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError) as e:
        raise NotYaml(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def read_expect(path):
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\d+):(\d+): (.+)", line)
        if not m:
            raise AssertionError(f"{path.name}: malformed line {line!r}")
        lines.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return lines


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.validator = validator()

    def setUp(self):
        if self._testMethodName.startswith("test_cli_") and CLI is None:
            self.skipTest("no --cli given")

    def test_corpus_is_large_enough(self):
        self.assertGreaterEqual(len(list(GOOD.glob("*.yml"))), 8)
        self.assertGreaterEqual(len(list(BAD.glob("*.yml"))), 45)

    def test_good_files_validate(self):
        for path in sorted(GOOD.glob("*.yml")):
            with self.subTest(file=path.name):
                data = load(path)
                errors = sorted(self.validator.iter_errors(data), key=lambda e: list(e.path))
                self.assertEqual(
                    [], [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                         for e in errors])

    def test_bad_files_are_refused(self):
        for path in sorted(BAD.glob("*.yml")):
            with self.subTest(file=path.name):
                try:
                    data = load(path)
                except NotYaml as e:
                    self.assertNotIn(path.name, SCHEMA_CANNOT_TELL,
                                     f"listed as beyond the schema, but YAML refuses it: {e}")
                    continue
                valid = self.validator.is_valid(data)
                if path.name in SCHEMA_CANNOT_TELL:
                    self.assertTrue(valid, "listed as beyond the schema, but the schema rejects "
                                           "it: remove it from SCHEMA_CANNOT_TELL")
                else:
                    self.assertFalse(valid, "the parser rejects this file but the schema "
                                            "accepts it: tighten budgets/schema.json, or list "
                                            "it in SCHEMA_CANNOT_TELL with the reason")

    def test_listed_exceptions_exist(self):
        for name in SCHEMA_CANNOT_TELL:
            self.assertTrue((BAD / name).is_file(), f"{name} is listed but missing")

    def test_generated_files_are_current(self):
        result = subprocess.run([sys.executable, str(HERE / "make_hostile.py"), "--check"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_cli_accepts_good_files(self):
        for path in sorted(GOOD.glob("*.yml")):
            with self.subTest(file=path.name):
                result = subprocess.run([CLI, "validate", path.name], cwd=GOOD,
                                        capture_output=True, timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
                self.assertEqual(result.stderr, b"")
                self.assertTrue(result.stdout.startswith(path.name.encode() + b": ok"))

    def test_cli_reports_expected_problems(self):
        for path in sorted(BAD.glob("*.yml")):
            with self.subTest(file=path.name):
                result = subprocess.run([CLI, "validate", path.name], cwd=BAD,
                                        capture_output=True, timeout=60)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, b"")
                stderr = result.stderr.decode("utf-8", errors="replace")
                self.assertNotIn("\ufffd", stderr, "the messages are not valid UTF-8")
                reported = []
                for line in stderr.splitlines():
                    m = re.fullmatch(re.escape(path.name) + r":(\d+):(\d+): (.+)", line)
                    self.assertIsNotNone(m, f"not file:line:column: message: {line!r}")
                    reported.append((int(m.group(1)), int(m.group(2)), m.group(3)))
                expected = read_expect(path.with_suffix(".expect"))
                self.assertEqual(len(reported), len(expected), "\n".join(map(str, reported)))
                for have, want in zip(reported, expected):
                    self.assertEqual(have[:2], want[:2], have[2])
                    self.assertIn(want[2], have[2])

    def test_cli_checks_several_files_at_once(self):
        result = subprocess.run([CLI, "validate", "good/minimal.yml", "bad/empty.yml",
                                 "good/throughput.yml"], cwd=HERE, capture_output=True,
                                timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout.decode().splitlines(),
                         ["good/minimal.yml: ok (1 budget)", "good/throughput.yml: ok (7 budgets)"])
        self.assertEqual(result.stderr.decode().splitlines(),
                         ["bad/empty.yml:1:1: the budget file is empty (it needs at least "
                          "'version: 1')"])


def main():
    global CLI
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", help="the perfbudget executable, to check `validate` too")
    args, rest = parser.parse_known_args()
    CLI = args.cli
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
