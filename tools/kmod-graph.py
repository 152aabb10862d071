#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Dependency graphs of kmod/ and their cycles.

  include: file -> file it names in #include "..." (resolved like the
           compiler: relative to the includer, then kmod/).
  module:  a .c file with the header(s) declaring its functions counted
           as one node; A -> B when A includes a header that declares a
           function B defines.  This is the graph the review's "nine-file
           cycle" was drawn on.
  call:    A -> B when A calls a non-static function that B defines.

Prints each graph's strongly connected components of more than one node
(self-loops are ignored), marking those that cross the vmx/ seam (hold
files in vmx/ and outside it).  The module graph keeps such a cycle as
long as vmx/ and the generic code call each other by name through the
two umbrella headers (kvmlite.h, backend.h); the call graph shows whether
the calls themselves go round.  Usage: tools/kmod-graph.py [kmod-dir]
Exit status 1 if the include graph has a cycle or a call-graph cycle
crosses the vmx/ seam.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'kmod')
root = os.path.normpath(root)

files = []
for d, _, names in os.walk(root):
    for n in names:
        if n.endswith(('.c', '.h', '.S')):
            files.append(os.path.relpath(os.path.join(d, n), root))
files.sort()
text = {}
for f in files:
    with open(os.path.join(root, f), encoding='utf-8') as fh:
        text[f] = fh.read()

inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
inc = {f: set() for f in files}
for f in files:
    for name in inc_re.findall(text[f]):
        for cand in (os.path.normpath(os.path.join(os.path.dirname(f), name)),
                     os.path.normpath(name)):
            if cand in text:
                inc[f].add(cand)
                break

def strip(src):
    src = re.sub(r'/\*.*?\*/', ' ', src, flags=re.S)
    src = re.sub(r'//[^\n]*', ' ', src)
    return re.sub(r'"(\\.|[^"\\])*"', '""', src)

# Functions defined (non-static) and declared, per file.
def_re = re.compile(r'^(?!static)[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{]*\)\s*\{',
                    re.M)
decl_re = re.compile(r'\b(kvmlite_\w+)\s*\(')
defined = {}
for f in files:
    if not f.endswith('.c'):
        continue
    for m in def_re.finditer(strip(text[f])):
        defined.setdefault(m.group(1), f)
for f in files:
    if f.endswith('.S'):
        for m in re.finditer(r'SYM_FUNC_START\((\w+)\)', text[f]):
            defined.setdefault(m.group(1), f)

calls = {f: set() for f in files}
for f in files:
    if not f.endswith(('.c', '.h')):
        continue
    for name in decl_re.findall(strip(text[f])):
        g = defined.get(name)
        if g and g != f:
            calls[f].add(g)

# module graph: header h "belongs to" every .c defining a function it declares
owners = {}
for f in files:
    if f.endswith('.h'):
        owners[f] = {defined[n] for n in decl_re.findall(strip(text[f]))
                     if n in defined}

def closure(f):
    seen, todo = set(), [f]
    while todo:
        x = todo.pop()
        for y in inc[x]:
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return seen

module = {f: set() for f in files if f.endswith(('.c', '.S'))}
for f in module:
    for h in closure(f):
        if h.endswith('.h'):
            module[f] |= {o for o in owners.get(h, ()) if o != f}

def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

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
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out

status = 0
for name, graph in (('include', inc), ('module', module),
                    ('call', {f: calls[f] for f in files if f.endswith('.c')})):
    comps = sccs(graph)
    print('%s graph: %d cycle(s)' % (name, len(comps)))
    for c in comps:
        vmx = [x for x in c if x.startswith('vmx/')]
        across = vmx and len(vmx) < len(c)
        print('  %d files%s: %s' % (len(c), ' (across the vmx/ seam)'
                                   if across else '', ' '.join(c)))
        if name == 'include' or (name == 'call' and across):
            status = 1
sys.exit(status)
