#!/usr/bin/env python3
"""The house rules the code is held to, checked from the source (run by the format suite):

1. No import cycle among a crate's modules. A module is a file (or a directory with its mod.rs);
   every `crate::…`, `super::…` and root-relative path is resolved to the module it names, and an
   edge is kept between the two sibling modules where the paths part (so `store::lists` using
   `store::Store` is a child using its parent, not an edge; `search` using `store::search` is the
   edge search → store). Items defined in lib.rs itself (not re-exported) belong to the node
   `<lib>`, so a module that reaches back into the crate root is caught too.
2. No function longer than 80 lines outside tests (`#[cfg(test)]` modules, `tests/`, `benches/`).

    python3 scripts/lib/house.py            check, exit 1 on a broken rule
    python3 scripts/lib/house.py --graph    also print each crate's module edges
"""

import os
import re
import sys

CRATES = ["protocol", "imaging", "core", "server", "cli", "bindings", "e2e"]
MAX_FN_LINES = 80
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def strip(src):
    """The source with comments, strings and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and not (i and (src[i - 1].isalnum() or src[i - 1] == "_")):
            hashes = len(re.match(r"r(#*)", src[i:]).group(1))
            end = src.find('"' + "#" * hashes, i + 2 + hashes)
            j = n if end < 0 else end + 1 + hashes
            out.append('""' + re.sub(r"[^\n]", " ", src[i + 2:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('"' + re.sub(r"[^\n]", " ", src[i + 1:j]) + '"')
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\x[0-9a-fA-F]{2}|\\.|[^\\'])'", src[i:i + 14])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(code, open_at):
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def blank_test_modules(code):
    """Blanks `#[cfg(test)] mod … { … }` so neither rule looks inside tests."""
    for m in reversed(list(re.finditer(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", code))):
        end = matching_brace(code, m.end() - 1)
        code = code[:m.start()] + re.sub(r"[^\n]", " ", code[m.start():end + 1]) + code[end + 1:]
    return code


def module_path(crate_src, path):
    rel = os.path.relpath(path, crate_src)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return ()
    return tuple(rel)


def use_paths(tree, prefix=()):
    """Expands one `use` tree (`a::{b, c::{d as e}}`) into its paths."""
    tree = tree.strip()
    if not tree:
        return []
    if tree.endswith("}"):
        head, _, body = tree.partition("{")
        head = [s for s in head.strip().rstrip(":").split("::") if s.strip()]
        body = body[:-1]
        parts, depth, cur = [], 0, ""
        for ch in body:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            cur += ch
        parts.append(cur)
        out = []
        for p in parts:
            out += use_paths(p, prefix + tuple(s.strip() for s in head))
        return out
    tree = re.sub(r"\s+as\s+\w+$", "", tree)
    return [prefix + tuple(s.strip() for s in tree.split("::") if s.strip())]


def collect(crate):
    src = os.path.join(ROOT, crate, "src")
    files = {}
    for dirpath, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                if os.sep + "bin" + os.sep in path or name == "tests.rs":
                    continue  # generated binaries' glue, and test modules in their own file
                files[module_path(src, path)] = path
    return src, files


def root_reexports(code):
    """Names the crate root re-exports (`pub use x::{A, B}`), mapped to the module they come from."""
    names = {}
    for m in re.finditer(r"\bpub\s+use\s+([^;]+);", code):
        for p in use_paths(m.group(1)):
            if len(p) >= 2:
                names[p[-1]] = p[0]
    return names


def resolve(mod, path, modules):
    """An absolute module path for a path written in module `mod`, cut to its longest module prefix."""
    head = path[0]
    if head == "crate":
        abs_ = path[1:]
    elif head == "super":
        base = list(mod)
        while path and path[0] == "super":
            base = base[:-1]
            path = path[1:]
        abs_ = tuple(base) + tuple(path)
    elif head == "self":
        abs_ = mod + path[1:]
    elif mod + (head,) in modules:
        abs_ = mod + path
    else:
        return None
    best = ()
    for k in range(1, len(abs_) + 1):
        if abs_[:k] in modules:
            best = abs_[:k]
    return best, abs_


def edges_of(crate):
    src, files = collect(crate)
    if not files:
        return None, []
    modules = set(files)
    root_code = strip(open(files[()], encoding="utf-8").read()) if () in files else ""
    reexports = root_reexports(root_code)
    edges = {}
    for mod, path in files.items():
        code = blank_test_modules(strip(open(path, encoding="utf-8").read()))
        # Inline modules (`mod hex { use super::X; }`): a path inside one is written from it.
        inline = [(m.start(), matching_brace(code, m.end() - 1), m.group(1))
                  for m in re.finditer(r"\bmod\s+(\w+)\s*\{", code)]
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            paths += [(m.start(), p) for p in use_paths(m.group(1))]
        for m in re.finditer(r"(?<![\w:])((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", code):
            paths.append((m.start(), tuple(m.group(1).split("::"))))
        for at, p in paths:
            depth = sum(1 for start, end, _ in inline if start < at < end)
            if depth and p[0] == "super":
                # Inside an inline module, each `super` first climbs out of it, to this file's.
                climbs = 0
                while climbs < len(p) and p[climbs] == "super":
                    climbs += 1
                p = ("super",) * max(climbs - depth, 0) + p[climbs:] if climbs > depth else ("self",) + p[climbs:]
            r = resolve(mod, p, modules)
            if r is None:
                continue
            target, abs_ = r
            if target == () and len(abs_) >= 1 and abs_[0] in reexports:
                target = (reexports[abs_[0]],)
            node = target if target != () else ("<lib>",)
            # Where the two paths part: the edge is between those siblings.
            c = 0
            while c < len(mod) and c < len(node) and mod[c] == node[c]:
                c += 1
            if mod == ():
                a, b = "<lib>", node[0]  # the root is a node of its own: Moa and its delegations
            elif c == len(mod) or (c == len(node) and node != ("<lib>",)):
                continue  # a module using its own child, or a child using its parent
            else:
                a, b = mod[c], node[c]
            if a != b:
                edges.setdefault((mod[:c], a), set()).add((b, "/".join(mod) or "lib", "::".join(p)))
    return files, edges


def cycles(edges):
    """Strongly connected components with more than one module, per scope."""
    by_scope = {}
    for (scope, a), targets in edges.items():
        for b, _, _ in targets:
            by_scope.setdefault(scope, {}).setdefault(a, set()).add(b)
    found = []
    for scope, graph in by_scope.items():
        index, low, stack, on, comps = {}, {}, [], set(), []
        counter = [0]

        def visit(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in graph.get(v, ()):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))

        for v in sorted(graph):
            if v not in index:
                visit(v)
        found += [(scope, comp) for comp in comps]
    return found


def long_functions(path):
    code = blank_test_modules(strip(open(path, encoding="utf-8").read()))
    out = []
    for m in re.finditer(r"\bfn\s+(\w+)", code):
        # The body is the first `{` at depth 0 after the signature; a `;` first means no body.
        depth, j = 0, m.end()
        while j < len(code):
            ch = code[j]
            if ch in "(<[":
                depth += 1
            elif ch in ")>]":
                depth -= 1
            elif ch == ";" and depth <= 0:
                j = -1
                break
            elif ch == "{" and depth <= 0:
                break
            j += 1
        if j < 0 or j >= len(code):
            continue
        end = matching_brace(code, j)
        start_line = code.count("\n", 0, m.start()) + 1
        lines = code.count("\n", m.start(), end) + 1
        if lines > MAX_FN_LINES:
            out.append((start_line, m.group(1), lines))
    return out


def self_test():
    """The rules catch what they are meant to: a cycle through `super`, a function of 81 lines."""
    import tempfile
    global ROOT
    saved = ROOT
    with tempfile.TemporaryDirectory() as root:
        src = os.path.join(root, "core", "src")
        os.makedirs(os.path.join(src, "store"))
        files = {
            "lib.rs": "pub mod feed;\npub mod store;\n",
            "feed.rs": "use crate::store::Store;\n",
            "store/mod.rs": "mod search;\npub struct Store;\n",
            "store/search.rs": "fn rank() { super::super::feed::score(); }\n"
            + "fn long() {\n" + "    let x = 1;\n" * 80 + "}\n"
            + "#[cfg(test)]\nmod tests {\n    fn long_test() {\n" + "        let x = 1;\n" * 90 + "    }\n}\n",
        }
        for name, text in files.items():
            with open(os.path.join(src, name), "w", encoding="utf-8") as f:
                f.write(text)
        ROOT = root
        try:
            _, edges = edges_of("core")
            found = cycles(edges)
            longs = long_functions(os.path.join(src, "store", "search.rs"))
        finally:
            ROOT = saved
    assert found == [((), ["feed", "store"])], found
    assert [(name, lines) for _, name, lines in longs] == [("long", 82)], longs
    print("house rules: self-test passed")


def main():
    if "--self-test" in sys.argv:
        self_test()
        return 0
    graph = "--graph" in sys.argv
    broken = 0
    for crate in CRATES:
        if not os.path.isdir(os.path.join(ROOT, crate, "src")):
            continue
        files, edges = edges_of(crate)
        if files is None:
            continue
        if graph:
            for (scope, a), targets in sorted(edges.items()):
                where = "::".join(scope) or crate
                print(f"{where}: {a} -> {', '.join(sorted({b for b, _, _ in targets}))}")
        for scope, comp in cycles(edges):
            broken += 1
            where = "::".join(scope) or "crate root"
            print(f"import cycle in {crate} ({where}): {' ↔ '.join(comp)}")
            for (s, a), targets in sorted(edges.items()):
                if s == scope and a in comp:
                    for b, file, p in sorted(targets):
                        if b in comp:
                            print(f"    {a} -> {b}: {file}.rs uses {p}")
        for mod, path in sorted(files.items()):
            for line, name, lines in long_functions(path):
                broken += 1
                print(f"long function: {os.path.relpath(path, ROOT)}:{line} {name} ({lines} lines > {MAX_FN_LINES})")
    if broken:
        print(f"house rules: {broken} broken")
        return 1
    print("house rules: no import cycles, no function over 80 lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
