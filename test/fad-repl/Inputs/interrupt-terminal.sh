# Types into fad-repl ($1) on a pseudo-terminal (script(1)): a long evaluation
# interrupted with ^C, a half-typed input dropped with ^C, then 2 + 3.
(printf 'def slow (n: i64) : f64 = loop s = 0.0 for i < n do s + sin (f64 i)\n'
 sleep 2; printf 'slow 1000000000000\n'
 sleep 4; printf '\003'
 sleep 1; printf '1 + \003'
 sleep 1; printf '2 + 3\n'
 sleep 2; printf ':quit\n') | timeout 60 script -qec "$1" /dev/null | tr -d '\r'
