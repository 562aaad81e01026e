"""Calls every entry of kinds.fad from Python (see ../python.test)."""
import numpy as np

import kinds

print(kinds.scalars(21, True, 3.0, np.float32(0.25), 9))
m, b, empty = kinds.arrays(np.array([[0, 1, 2], [3, 4, 5]], dtype=np.int32), np.array([True, False]))
print(str(m).replace("\n", ""), b, empty.shape)
for call in [lambda: kinds.scalars(21, True, 3.0, 0.25, 2 ** 31),
             lambda: kinds.scalars(2 ** 63, True, 3.0, 0.25, 1),
             lambda: kinds.index_error(np.array([1.0, 2.0]), 5)]:
    try:
        call()
        print("no error")
    except (OverflowError, kinds.FadError) as e:
        print("%s: %s" % (type(e).__name__, e))
kinds.set_threads(1)
print("threads:", kinds.threads())
