/* Checked parallel loops of a library (checked.fad), on the thread count
   given as argv[1]: results as computed here, and a failed check anywhere
   in the loop ends the call with the error of the first failing iteration,
   as a sequential run would, however often it is called. */
#include "checked.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 200000, M = 1000 };

static fad_context *ctx;
static double x[M];
static int64_t idx[N];
static const int64_t xShape[1] = {M}, idxShape[1] = {N};

/* Calls both entries; prints the status and message of each failure. */
static void callBoth(const char *what) {
  double *out = NULL, sum = 0, expected = 0;
  int64_t outShape[1];
  int status = checked_gather(ctx, x, xShape, idx, idxShape, &out, outShape);
  if (status == FAD_OK) {
    int same = outShape[0] == N;
    for (int i = 0; same && i < N; ++i)
      same = out[i] == 2 * x[idx[i]];
    printf("%s: gather %s\n", what, same ? "ok" : "WRONG");
    fad_free(out);
  } else {
    printf("%s: gather status %d, %s\n", what, status, fad_context_error(ctx));
  }
  status = checked_total(ctx, x, xShape, idx, idxShape, &sum);
  if (status == FAD_OK) {
    for (int i = 0; i < N; ++i)
      expected += exp(x[idx[i]]);
    printf("%s: total %s\n", what, fabs(sum - expected) <= 1e-12 * expected ? "ok" : "WRONG");
  } else {
    printf("%s: total status %d, %s\n", what, status, fad_context_error(ctx));
  }
}

int main(int argc, char **argv) {
  fad_set_threads(argc > 1 ? atoi(argv[1]) : 1);
  ctx = fad_context_new();
  for (int i = 0; i < M; ++i)
    x[i] = i / 1000.0;
  for (int i = 0; i < N; ++i)
    idx[i] = (i * 7) % M;
  callBoth("valid");
  idx[150000] = -5; /* in the second half: the last thread's share */
  idx[170000] = 5000;
  callBoth("two bad");
  idx[20000] = 1001; /* the first half's: reported whichever ends first */
  for (int k = 0; k < 100; ++k)
    callBoth(k == 0 ? "three bad" : "again");
  idx[20000] = idx[150000] = idx[170000] = 0;
  callBoth("repaired");
  fad_context_free(ctx);
  return 0;
}
