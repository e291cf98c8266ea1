#!/usr/bin/env python3
"""The build's layers, enforced: every module a target's sources import must be one of the
target's declared dependencies in Package.swift (or a system module), so that MarketCore stays on
Foundation alone and MarketAPI never reaches GRDB through MarketStore.

SwiftPM's `--explicit-target-dependency-import-check error` does this on Darwin but lets a
transitive import through on Linux (tried: `import GRDB` in MarketAPI builds clean), so this
script reads `swift package dump-package` and every `import` line itself. Run by `make test`.

Usage: scripts/check-imports.py   (exit 1 naming each file and module that breaks the rule)
"""
import json
import pathlib
import re
import subprocess
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization",
          "Testing", "XCTest", "_Concurrency", "os"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?import\s+"
                    r"(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)

root = pathlib.Path(__file__).resolve().parent.parent
package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True,
                                    capture_output=True, text=True).stdout)
problems = []
for target in package["targets"]:
    if target["type"] in ("system", "binary", "plugin"):
        continue
    default = "Tests" if target["type"] == "test" else "Sources"
    folder = root / (target.get("path") or f"{default}/{target['name']}")
    allowed = set(SYSTEM) | {target["name"]}
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        allowed.add(value[0])  # byName, target or product: the first element is the module's name
    for source in sorted(folder.rglob("*.swift")):
        for module in IMPORT.findall(source.read_text()):
            if module not in allowed:
                problems.append(f"{source.relative_to(root)}: imports {module}, which {target['name']} does not declare")
if problems:
    print("check-imports: a target imports what Package.swift does not give it:", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"check-imports: every import of {sum(1 for t in package['targets'] if t['type'] not in ('system', 'binary', 'plugin'))} targets is a declared dependency")
