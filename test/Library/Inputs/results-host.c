/* Calls the entries of results.fad (see ../results.test) and checks every
   element; each result is freed with fad_free, and the calls repeat so that
   a freed result's memory serves the next call. */
#include "results.h"

#include <stdio.h>

static int failures = 0;

static void expect(const char *what, const double *got, const double *want, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (got[i] != want[i]) {
      printf("%s: element %lld is %g, expected %g\n", what, (long long)i, got[i], want[i]);
      ++failures;
      return;
    }
}

int main(void) {
  fad_context *ctx = fad_context_new();
  double a[4] = {1, 2, 3, 4}, doubled[4] = {2, 4, 6, 8};
  double m[3][2] = {{1, 2}, {3, 4}, {5, 6}}, row0[2] = {2, 3}, row1[2] = {4, 5};
  double numbers[3] = {1, 2, 3};
  const int64_t a_shape[1] = {4}, m_shape[2] = {3, 2};
  for (int round = 0; round < 3; ++round) {
    double *x, *y;
    int64_t xs[1], ys[1], ys2[2];
    if (results_twice(ctx, a, a_shape, &x, xs, &y, ys) != FAD_OK)
      return printf("twice: %s\n", fad_context_error(ctx)), 1;
    expect("twice, first", x, doubled, 4);
    expect("twice, second", y, doubled, 4);
    x[0] = -1; /* two results, two arrays */
    expect("twice, second after writing the first", y, doubled, 4);
    fad_free(x);
    fad_free(y);

    if (results_same(ctx, a, a_shape, &x, xs) != FAD_OK)
      return printf("same: %s\n", fad_context_error(ctx)), 1;
    expect("same", x, a, 4);
    fad_free(x);

    if (results_rows(ctx, &m[0][0], m_shape, &x, xs, &y, ys) != FAD_OK)
      return printf("rows: %s\n", fad_context_error(ctx)), 1;
    expect("rows, p[1]", x, row1, 2);
    expect("rows, p[0]", y, row0, 2);
    fad_free(x);
    fad_free(y);

    if (results_constant(ctx, 0, &x, xs) != FAD_OK)
      return printf("constant: %s\n", fad_context_error(ctx)), 1;
    expect("constant", x, numbers, 3);
    x[0] = -1; /* the program's constant stays */
    fad_free(x);
    if (results_constant(ctx, 0, &x, xs) != FAD_OK)
      return printf("constant: %s\n", fad_context_error(ctx)), 1;
    expect("constant again", x, numbers, 3);
    fad_free(x);

    int64_t n = 40000 + round;
    if (results_table(ctx, n, &x, ys2) != FAD_OK)
      return printf("table: %s\n", fad_context_error(ctx)), 1;
    for (int64_t i = 0; i < n * 26; ++i)
      if (x[i] != (double)i) {
        printf("table: element %lld is %g\n", (long long)i, x[i]);
        ++failures;
        break;
      }
    fad_free(x);
  }
  fad_context_free(ctx);
  printf(failures ? "%d failures\n" : "all results right\n", failures);
  return failures != 0;
}
