#!/usr/bin/env python3
"""Layering check for Sources/Strata (Swift has no per-folder access control).

Each folder of the engine is a layer and may only name what the layers below
it declare (STYLE.md, "The house"). This script collects the top-level types
and functions each folder declares, then fails on any reference from a folder
to a name of a folder it may not use, for example Chunks naming a WAL type,
or Query touching the Engine.

    python3 scripts/check-layers.py        # exit 1 and a list of violations, or "layers ok"
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Strata")

# What each folder may use besides itself (Model and Storage are the leaves
# everyone uses; Engine is the coordinator behind the API facade).
ALLOWED = {
    "Model": [],
    "Storage": ["Model"],
    "WAL": ["Model", "Storage"],
    "MemTable": ["Model", "Storage"],
    "Chunks": ["Model", "Storage"],
    "Index": ["Model", "Storage"],
    "Version": ["Model", "Storage", "Chunks"],
    "Query": ["Model", "Storage", "Chunks", "Version", "MemTable", "Index"],
    "Maintenance": ["Model", "Storage", "Chunks", "Version", "MemTable", "Index", "Query"],
    "Engine": ["Model", "Storage", "WAL", "MemTable", "Chunks", "Index", "Version", "Query", "Maintenance", "API"],
    "API": ["Model", "Storage", "WAL", "MemTable", "Chunks", "Index", "Version", "Query", "Maintenance", "Engine"],
}

DECLARATION = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|indirect)\s+)*"
    r"(?:struct|class|enum|protocol|typealias|actor|func)\s+([A-Za-z_]\w*)")


def strip(source):
    """Source without comments and string literals (so names in prose do not count)."""
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.S)
    source = re.sub(r'"""(?:.|\n)*?"""', '""', source)
    out = []
    for line in source.split("\n"):
        line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
        out.append(line.split("//", 1)[0])
    return "\n".join(out)


def main():
    folders = sorted(d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)) and not d.endswith(".docc"))
    unknown = [f for f in folders if f not in ALLOWED]
    if unknown:
        print("check-layers: folders without a rule: " + ", ".join(unknown))
        return 1
    files = {}
    owner = {}
    for folder in folders:
        for dirpath, _, names in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(names):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = strip(f.read())
                files[path] = (folder, text)
                for line in text.split("\n"):
                    m = DECLARATION.match(line)  # top level only: no indentation
                    if m:
                        owner.setdefault(m.group(1), folder)
    violations = []
    for path, (folder, text) in sorted(files.items()):
        allowed = set(ALLOWED[folder]) | {folder}
        for name, declared in owner.items():
            if declared in allowed:
                continue
            for number, line in enumerate(text.split("\n"), 1):
                if re.search(r"(?<![\w.])" + re.escape(name) + r"\b", line):
                    rel = os.path.relpath(path, os.path.join(ROOT, "..", ".."))
                    violations.append(f"{rel}:{number}: {folder} names {name} ({declared})")
                    break
    violations += public_api_only(files)
    if violations:
        print("check-layers: forbidden references (see ALLOWED in scripts/check-layers.py):")
        for v in violations:
            print("  " + v)
        return 1
    print(f"layers ok: {len(files)} files in {len(folders)} folders")
    return 0


def public_api_only(files):
    """StrataSQL and the shell use the public Strata API only: no @testable or @_spi
    import of Strata and no top-level `package` declaration of the engine (those are
    seams for the tests and benchmarks, not for the SQL layer)."""
    package_names = set()
    for _, (_, text) in files.items():
        for line in text.split("\n"):
            if re.match(r"^(?:@\w+(?:\([^)]*\))?\s+)*package\s", line):
                m = DECLARATION.match(line)
                if m:
                    package_names.add(m.group(1))
    violations = []
    for target in ("StrataSQL", "StrataShell"):
        base = os.path.join(ROOT, "..", target)
        for dirpath, _, names in os.walk(base):
            for name in sorted(n for n in names if n.endswith(".swift")):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = strip(f.read())
                rel = os.path.relpath(path, os.path.join(ROOT, "..", ".."))
                for number, line in enumerate(text.split("\n"), 1):
                    if re.search(r"@testable\s+import\s+Strata\b|@_spi\([^)]*\)\s+import\s+Strata\b", line):
                        violations.append(f"{rel}:{number}: {target} imports Strata beyond its public API")
                    for pname in package_names:
                        if re.search(r"(?<![\w.])" + re.escape(pname) + r"\b", line):
                            violations.append(f"{rel}:{number}: {target} names {pname} (package, not public)")
    return violations


if __name__ == "__main__":
    sys.exit(main())
