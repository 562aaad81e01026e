#!/usr/bin/env python3
"""Robustness check: mutated programs never crash the compiler.

Takes the .fad files of a corpus, applies random token insertions, deletions
and duplications (deterministic for a given seed), and runs the compiler on
each mutant. Every run must end with exit status 0, or 1 with an 'error:'
diagnostic; a signal, an assertion, a crash report or a time-out fails.
"""
import argparse
import glob
import os
import random
import subprocess
import sys
import tempfile

TOKENS = ['(', ')', '[', ']', ',', '.', '0', '1.5', 'x', 'let', 'in', 'if', 'then',
          'else', '\\', '->', '+', '*', '**', '|>', 'map', 'loop', 'for', 'while', 'do',
          ':', '=', '_', 'f64', '[]', '(+)', 'i64', '-', '!', '"', 'reduce', 'scan',
          'build', 'iota', 'transpose', 'zip', 'unzip', 'entry', 'def', '\x01', '\xe9']


def mutate(rng, text):
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.4:
            text = text[:pos] + rng.choice(TOKENS) + ' ' + text[pos:]
        elif op < 0.8:
            text = text[:pos] + text[pos + rng.randint(1, 8):]
        else:
            a = rng.randint(0, len(text))
            text = text[:pos] + text[a:a + rng.randint(1, 30)] + text[pos:]
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--fadc', required=True)
    parser.add_argument('--corpus', required=True)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--count', type=int, default=100)
    parser.add_argument('--emit', default='fad')
    args = parser.parse_args()

    rng = random.Random(args.seed)
    sources = []
    for path in sorted(glob.glob(os.path.join(args.corpus, '*.fad'))):
        with open(path, encoding='latin-1') as f:
            lines = [l for l in f.read().split('\n') if 'RUN:' not in l]
        sources.append('\n'.join(lines))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        mutant = os.path.join(tmp, 'mutant.fad')
        for i in range(args.count):
            text = mutate(rng, rng.choice(sources))
            with open(mutant, 'w', encoding='latin-1') as f:
                f.write(text)
            try:
                run = subprocess.run([args.fadc, mutant, '--emit=' + args.emit,
                                      '-I', args.corpus], capture_output=True, timeout=60)
            except subprocess.TimeoutExpired:
                failures += 1
                print('TIME-OUT on mutant %d:\n%s' % (i, text))
                continue
            err = run.stderr.decode('latin-1')
            ok = run.returncode == 0 or (run.returncode == 1 and 'error:' in err)
            if not ok or 'PLEASE submit' in err or 'Assertion' in err:
                failures += 1
                print('CRASH (status %d) on mutant %d:\n%s\n%s' % (run.returncode, i, text, err[:2000]))
    print('%d mutants, %d failures' % (args.count, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
