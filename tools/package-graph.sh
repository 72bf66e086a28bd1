#!/usr/bin/env bash
# The server's package graph at a commit, from its compiled classes (jdeps): each package and the
# server packages it imports, the import cycles (strongly connected groups of packages), and the
# largest classes by source lines. For the closing note of a structural change: before and after.
#
#   tools/package-graph.sh            # this working tree (compiles digitlab-server if needed)
#   tools/package-graph.sh 088dae1    # a commit, checked out and compiled in a temporary worktree
#
# Needs a JDK (jdeps) and python3. Compiles offline (-o) at nice 19.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rev=${1:-}
tree=$root
if [ -n "$rev" ]; then
  tree=$(mktemp -d)/tree
  git -C "$root" worktree add --detach -q "$tree" "$rev"
  trap 'git -C "$root" worktree remove --force "$tree"' EXIT
fi
export JAVA_HOME=${JAVA_HOME:-$("$root"/digitlab --print-java-home)}
classes=$tree/digitlab-server/target/classes
if [ -n "$rev" ] || [ ! -d "$classes/dev" ]; then
  (cd "$tree" && nice -n 19 ./mvnw -q -B -o -pl digitlab-server -am -DskipTests compile >&2)
fi
"$JAVA_HOME/bin/jdeps" -q -verbose:package -e 'dev\.digitlab\.server\..*' "$classes" |
  python3 -c '
import os, re, sys
src = sys.argv[1]
top = lambda p: p.split(".")[3] if p.count(".") >= 3 else None
deps = {}
for line in sys.stdin:
    m = re.match(r"\s+(dev\.digitlab\.server\.\S+)\s+->\s+(dev\.digitlab\.server\.\S+)", line)
    if not m:
        continue
    a, b = top(m.group(1)), top(m.group(2))
    if a and b:
        deps.setdefault(a, set()); deps.setdefault(b, set())
        if a != b:
            deps[a].add(b)
# Tarjan: the strongly connected groups of more than one package are the cycles.
index, low, stack, on, groups, n = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in sorted(deps[v]):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        g = []
        while True:
            w = stack.pop(); on.discard(w); g.append(w)
            if w == v: break
        groups.append(sorted(g))
for v in sorted(deps):
    if v not in index: visit(v)
print("packages: %d" % len(deps))
for p in sorted(deps):
    print("  %-12s -> %s" % (p, " ".join(sorted(deps[p])) or "-"))
cycles = [g for g in groups if len(g) > 1]
print("import cycles: %d" % len(cycles))
for g in cycles:
    print("  " + " ".join(g))
sizes = []
for d, _, files in os.walk(src):
    for f in files:
        if f.endswith(".java"):
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                sizes.append((sum(1 for _ in fh), os.path.relpath(os.path.join(d, f), src)[:-5]))
print("largest classes (lines):")
for lines, name in sorted(sizes, reverse=True)[:8]:
    print("  %5d %s" % (lines, name))
' "$tree/digitlab-server/src/main/java/dev/digitlab/server"
