#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Attribute callgrind's instruction counts to the mediator core.

Input: the dumps of one `valgrind --tool=callgrind --collect-atstart=no
--toggle-collect=teemed_handle_smc --compress-strings=no --compress-pos=no`
run of `teemed-bench --instr`. Collection is on only inside
teemed_handle_smc (the trap entry: every operation measured is a sequence of
guest SMCs), and each measured stretch is one dump whose trigger names it:
"bench:<label>:<reps>:<pages>".

Inside the collected region every instruction belongs to exactly one of:
  (a) a core function (its name is a text symbol of build/core/*.o);
  (b) a function reached by a call from a core function: a libc memory
      helper (memcpy, memset, memmove, memcmp, in whatever ifunc variant and
      through whatever PLT stub) -- counted as the mediator's -- or a port
      callback (everything else: the port's smc, and through it the OP-TEE
      model, pin/unpin, map/unmap, alloc, locks, ...) -- not counted.
The core calls nothing else (the freestanding contract: `make freestanding`)
and port callbacks never call back into the core (port.h). So

    mediator = sum of self cost of core functions
             + inclusive cost of the call arcs core -> memory helper

is exact, and it is checked against the other side of the ledger:

    collected total = mediator + inclusive cost of the arcs core -> port

Both sums come from callgrind's own call-arc records (inclusive cost per
caller/callee pair), not from estimates. A core name that is also defined
outside the core in the binary would be ambiguous: such names are told apart
by the function's source file (src/ or include/teemed/), and listed.

Usage: cg_attr.py --core-objs "build/core/a.o ..." --binary BIN --src DIR
                  [--profiles DIR] [--audit] DUMP...
"""
import argparse
import collections
import os
import re
import subprocess
import sys

MEM_RE = re.compile(r"(^|_)(mem(cpy|set|move|cmp)|bcmp)(_|@|$|\b)|^__mem|^__memcpy_chk|^__memset_chk")
HEX_RE = re.compile(r"^0x[0-9a-fA-F]+( \[PLT\])?$")


def text_symbols(paths):
    out = subprocess.run(["nm", "--defined-only"] + paths, check=True, capture_output=True,
                         text=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTWw":
            names.append(parts[2])
    return names


class Dump:
    def __init__(self, path):
        self.path = path
        self.trigger = None
        self.summary = 0
        # fn key (ob, fl, name) -> self cost
        self.self_cost = collections.Counter()
        # (caller key, callee key) -> [calls, inclusive cost]
        self.arcs = collections.defaultdict(lambda: [0, 0])
        self.parse()

    def parse(self):
        ob = fl = fn = None
        cob = cfl = cfn = None
        pending_call = None
        with open(self.path) as f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line:
                    continue
                c0 = line[0]
                if c0.isdigit() or c0 in "+-*":
                    parts = line.split()
                    cost = int(parts[1]) if len(parts) > 1 else 0
                    if pending_call is not None:
                        arc = self.arcs[((ob, fl, fn), pending_call[0])]
                        arc[0] += pending_call[1]
                        arc[1] += cost
                        pending_call = None
                    else:
                        self.self_cost[(ob, fl, fn)] += cost
                    continue
                key, _, val = line.partition("=")
                if key == "ob":
                    ob = val
                elif key == "fl":
                    fl = val
                elif key == "fn":
                    fn = val
                elif key in ("fi", "fe"):
                    pass  # inlined source: same function
                elif key == "cob":
                    cob = val
                elif key in ("cfi", "cfl"):
                    cfl = val
                elif key == "cfn":
                    cfn = val
                elif key == "calls":
                    # Callee object and file default to the caller's.
                    n = int(val.split()[0])
                    pending_call = ((cob if cob is not None else ob,
                                     cfl if cfl is not None else fl, cfn), n)
                    cob = cfl = None
                elif line.startswith("desc: Trigger:"):
                    self.trigger = line.split(":", 2)[2].strip()
                elif line.startswith("summary:"):
                    self.summary = int(line.split()[1])
                elif key in ("jump", "jcnd"):
                    raise SystemExit(f"{self.path}: run without --collect-jumps")


class Classifier:
    def __init__(self, core_names, ambiguous, src_dir):
        self.core_names = core_names
        self.ambiguous = ambiguous
        self.core_dirs = (os.path.join(src_dir, "src") + os.sep,
                          os.path.join(src_dir, "include", "teemed") + os.sep)

    def is_core(self, key):
        _, fl, name = key
        if name not in self.core_names:
            return False
        if name in self.ambiguous:
            path = os.path.abspath(fl or "")
            return path.startswith(self.core_dirs)
        return True


def is_mem(name, dump):
    if name is None:
        return False
    if MEM_RE.search(name) or name.endswith("@plt"):
        return True
    return False


def attribute(dump, cls):
    """Returns dict with core self, mem, port inclusive, per-fn costs."""
    core_self = collections.Counter()
    for key, cost in dump.self_cost.items():
        if cls.is_core(key):
            core_self[key[2]] += cost
    # Unresolved stubs (PLT): what do they lead to?
    stub_targets = collections.defaultdict(set)
    for (caller, callee), _ in dump.arcs.items():
        if caller[2] and HEX_RE.match(caller[2]):
            stub_targets[caller[2]].add(callee[2])
    mem = collections.Counter()
    port = collections.Counter()
    for (caller, callee), (calls, cost) in dump.arcs.items():
        if not cls.is_core(caller) or cls.is_core(callee):
            continue
        name = callee[2]
        if is_mem(name, dump) or (HEX_RE.match(name or "") and stub_targets[name] and
                                  all(is_mem(t, dump) for t in stub_targets[name])):
            mem[name] += cost
        else:
            port[name] += cost
    total_core = sum(core_self.values())
    total_mem = sum(mem.values())
    total_port = sum(port.values())
    return {
        "core_self": core_self, "mem": mem, "port": port,
        "mediator": total_core + total_mem, "core": total_core, "memsum": total_mem,
        "portsum": total_port, "summary": dump.summary,
        "unaccounted": dump.summary - (total_core + total_mem + total_port),
    }


def fmt(v):
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


TARGETS = [
    # figure, limit, what
    ("fast-call", 40, "forwarded fast call"),
    ("invoke-4-values", 300, "INVOKE with 4 value parameters"),
    ("per-page", 12, "per translated page (REGISTER+UNREGISTER, 4 KiB -> 1 GiB)"),
    ("per-page-tmem", 12, "per translated page (temporary memref, 4 KiB -> 1 MiB)"),
    ("scale domains-1024", 1.2, "ratio at 1024 domains"),
    ("scale buffers-4096", 1.2, "ratio at 4096 buffers"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--core-objs", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--profiles", help="write per-operation core profiles here")
    ap.add_argument("--audit", action="store_true", help="print every excluded callee")
    ap.add_argument("--annotate", help="write callgrind_annotate --inclusive=no output, "
                    "core lines only, of each operation's first dump here")
    ap.add_argument("dumps", nargs="+")
    a = ap.parse_args()

    core_objs = a.core_objs.split()
    core_names = set(text_symbols(core_objs))
    counts = collections.Counter(text_symbols([a.binary]))
    ambiguous = {n for n in core_names if counts[n] > 1}
    cls = Classifier(core_names, ambiguous, os.path.abspath(a.src))

    # label -> aggregated
    agg = collections.OrderedDict()
    first_dump = {}
    for path in sorted(a.dumps, key=lambda p: int(p.rsplit(".", 1)[1]) if p.rsplit(".", 1)[1].isdigit() else 0):
        d = Dump(path)
        if not d.trigger or not d.trigger.startswith("Client Request: bench:"):
            continue
        label, reps, pages = d.trigger.split("Client Request: bench:", 1)[1].rsplit(":", 2)
        reps, pages = int(reps), int(pages)
        first_dump.setdefault(label, path)
        r = attribute(d, cls)
        e = agg.setdefault(label, {"reps": 0, "pages": pages, "mediator": 0, "core": 0,
                                   "memsum": 0, "portsum": 0, "summary": 0, "unaccounted": 0,
                                   "core_self": collections.Counter(),
                                   "mem": collections.Counter(), "port": collections.Counter()})
        e["reps"] += reps
        for k in ("mediator", "core", "memsum", "portsum", "summary", "unaccounted"):
            e[k] += r[k]
        e["core_self"].update(r["core_self"])
        e["mem"].update(r["mem"])
        e["port"].update(r["port"])

    # Composite register+unregister figures.
    for label in list(agg):
        if label.endswith(".register"):
            base = label[: -len(".register")]
            un = agg.get(base + ".unregister")
            if not un:
                continue
            r = agg[label]
            e = {"reps": r["reps"], "pages": r["pages"]}
            for k in ("mediator", "core", "memsum", "portsum", "summary", "unaccounted"):
                e[k] = r[k] / r["reps"] * e["reps"] + un[k] / un["reps"] * e["reps"]
            e["core_self"] = collections.Counter()
            for src in (r, un):
                for n, v in src["core_self"].items():
                    e["core_self"][n] += v / src["reps"] * e["reps"]
            e["mem"], e["port"] = collections.Counter(), collections.Counter()
            agg[base] = e

    per = {k: v["mediator"] / v["reps"] for k, v in agg.items()}
    bad = [k for k, v in agg.items() if v["unaccounted"] != 0]

    ops = [k for k in agg if k.startswith("op:")]
    print("teemed-bench-instr: instructions inside the mediator core per operation (callgrind)")
    print("  core = core functions' own instructions + memcpy/memset/... they call;")
    print("  trap = everything under teemed_handle_smc (port, sim, OP-TEE model included)")
    print(f"  {'operation':<40} {'core':>11} {'of which mem*':>13} {'per page':>9} {'trap':>14}")
    for k in ops:
        v = agg[k]
        n = v["reps"]
        pp = ""
        if v["pages"]:
            pp = fmt(v["mediator"] / n / v["pages"])
        print(f"  {k[3:]:<40} {fmt(v['mediator'] / n):>11} {fmt(v['memsum'] / n):>13} {pp:>9} "
              f"{fmt(v['summary'] / n):>14}")

    def marginal(small, big):
        s, b = agg.get("op:" + small), agg.get("op:" + big)
        if not s or not b or b["pages"] <= s["pages"]:
            return None
        return (per["op:" + big] - per["op:" + small]) / (b["pages"] - s["pages"])

    figures = collections.OrderedDict()
    for k in ops:
        figures[k[3:]] = per[k]
    pp = collections.OrderedDict()
    pp["per-page"] = marginal("register-4kib", "register-1gib")
    pp["per-page-translate"] = marginal("register-4kib.register", "register-1gib.register")
    pp["per-page-release"] = marginal("register-4kib.unregister", "register-1gib.unregister")
    pp["per-page-tmem"] = marginal("invoke-4kib-tmem", "invoke-1mib-tmem")
    pp["per-page-legacy-tmem"] = marginal("invoke-4kib-tmem-legacy", "invoke-1mib-tmem-legacy")
    if "op:invoke-1-rpc" in per and "op:invoke-4-rpcs" in per:
        pp["per-rpc"] = (per["op:invoke-4-rpcs"] - per["op:invoke-1-rpc"]) / 3
    if "op:invoke-1-rpc-legacy" in per and "op:invoke-4-rpcs-legacy" in per:
        pp["per-rpc-legacy"] = (per["op:invoke-4-rpcs-legacy"] - per["op:invoke-1-rpc-legacy"]) / 3
    print("\n  marginal costs (core instructions)")
    for k, v in pp.items():
        if v is not None:
            print(f"  {k:<40} {fmt(v):>11}")

    scale = [k for k in agg if k.startswith("scale:")]
    ratios = collections.OrderedDict()
    if scale:
        print("\n  scaling, minimal host: core instructions per call, and ratio to the smallest case")
        groups = [("domains", ["1", "16", "256", "1024"], ""), ("domains", ["1", "16", "256", "1024"], "-hot"),
                  ("buffers", ["1", "64", "4096"], ""), ("slots", ["free", "busy", "limit"], "")]
        for g, cases, suffix in groups:
            first = f"scale:{g}-{cases[0]}{suffix}"
            if first not in per:
                continue
            for c in cases:
                k = f"scale:{g}-{c}{suffix}"
                if k not in per:
                    continue
                ratio = per[k] / per[first]
                print(f"  {k[6:]:<40} {fmt(per[k]):>11} {ratio:>8.3f}")
                ratios[f"{g}-{c}{suffix}"] = ratio

    print()
    for k, v in figures.items():
        print(f"instr {k}: {v:.1f}")
    for k, v in pp.items():
        if v is not None:
            print(f"instr {k}: {v:.2f}")
    for k, v in ratios.items():
        print(f"scale-instr {k}: {v:.3f}")

    # Targets.
    values = dict(figures)
    values.update({k: v for k, v in pp.items() if v is not None})
    values["scale domains-1024"] = ratios.get("domains-1024")
    values["scale buffers-4096"] = ratios.get("buffers-4096")
    print()
    for name, limit, what in TARGETS:
        v = values.get(name)
        if v is None:
            continue
        print(f"target {name} <= {limit}: {v:.2f} {'ok' if v <= limit else 'MISSED'} ({what})")

    for k in bad:
        v = agg[k]
        print(f"cg_attr: WARNING: {k}: {v['unaccounted'] / v['reps']:.1f} instructions per "
              "operation neither core nor under a call from the core", file=sys.stderr)
    if ambiguous:
        print("cg_attr: core names also defined elsewhere (told apart by source file): " +
              " ".join(sorted(ambiguous)), file=sys.stderr)

    if a.audit:
        allport = collections.Counter()
        allmem = collections.Counter()
        for v in agg.values():
            allport.update(v["port"])
            allmem.update(v["mem"])
        print("\naudit: callees of core functions counted as the mediator's (memory helpers):")
        for n, c in allmem.most_common():
            print(f"  {n}: {c}")
        print("audit: callees of core functions excluded (port callbacks):")
        for n, c in allport.most_common():
            print(f"  {n}: {c}")

    if a.profiles:
        os.makedirs(a.profiles, exist_ok=True)
        for k, v in agg.items():
            n = v["reps"]
            fname = os.path.join(a.profiles, k.replace(":", "_").replace("/", "_") + ".txt")
            with open(fname, "w") as f:
                f.write(f"{k}: core instructions per operation, by function (self cost; "
                        f"memory helpers by name)\n")
                f.write(f"total {v['mediator'] / n:.1f}\n")
                rows = [(c / n, name) for name, c in v["core_self"].items()]
                rows += [(c / n, name + " (called by the core)") for name, c in v["mem"].items()]
                for c, name in sorted(rows, reverse=True):
                    if c >= 0.05:
                        f.write(f"  {c:12.1f}  {name}\n")
    if a.annotate:
        os.makedirs(a.annotate, exist_ok=True)
        core_file = re.compile(r"(^|[\s/])(src|include/teemed)/[\w.]+\.[ch]\b")
        for label, path in first_dump.items():
            out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100",
                                  "--auto=yes", "--include=" + os.path.abspath(a.src), path],
                                 capture_output=True, text=True).stdout
            keep, section = [], None
            for ln in out.splitlines():
                if ln.startswith("-- Auto-annotated source:") or ln.startswith("-- User-annotated source:"):
                    section = bool(core_file.search(ln.split(":", 1)[1]))
                    if section:
                        keep.append("")
                        keep.append(ln)
                    continue
                if section is None:
                    # The function list: core functions only.
                    if core_file.search(ln) or "PROGRAM TOTALS" in ln or "file:function" in ln:
                        keep.append(ln)
                elif section:
                    keep.append(ln)
            fname = os.path.join(a.annotate, label.replace(":", "_") + ".txt")
            with open(fname, "w") as f:
                f.write(f"# callgrind_annotate --inclusive=no --auto=yes {os.path.basename(path)}\n")
                f.write(f"# {label}: {agg[label]['reps']} operation(s) in this dump; core functions "
                        "and core sources only. The totals include port, sim and model code;\n"
                        "# '=>' lines are inclusive costs of calls (port callbacks among them).\n")
                f.write("\n".join(keep) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
