"""Drives fad-repl through a pipe and interrupts it (SIGINT, as Ctrl-C sends)
while it evaluates a long sequential loop, a long parallel map, and while
it waits for input; prints everything fad-repl wrote.

Usage: interrupt.py FAD_REPL"""
import signal
import subprocess
import sys
import time

repl = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)


def give_up(*_):
    repl.kill()
    print('timed out: fad-repl did not answer', flush=True)
    sys.exit(1)


signal.signal(signal.SIGALRM, give_up)
signal.alarm(90)   # never hang the test suite


def send(text):
    # An empty line after each input: without a terminal, fad-repl reads the
    # first character of the next line (an indented one continues the input).
    repl.stdin.write(text + '\n\n')
    repl.stdin.flush()


def interrupt_after(seconds):
    time.sleep(seconds)
    repl.send_signal(signal.SIGINT)


def show_line():
    print(repl.stdout.readline(), end='', flush=True)


send('def slow (n: i64) : f64 = loop s = 0.0 for i < n do s + sin (f64 i)')
send('def wide (n: i64) : f64 = sum (map (\\i -> slow 1000000) (iota n))')
send('slow 1000000000000')
interrupt_after(3)
show_line()
send('wide 100000000')
interrupt_after(3)
show_line()
send('slow 3 + 1.0')
show_line()
interrupt_after(0.3)   # while it waits for input: the session goes on
time.sleep(0.3)
send('wide 2 > 0.0')
repl.stdin.close()
print(repl.stdout.read(), end='')
print('exit status', repl.wait(timeout=60))
