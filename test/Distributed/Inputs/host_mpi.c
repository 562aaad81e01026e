/* A C host that runs a library built with --emit=lib --mpi on its own
 * communicators: the processes of MPI_COMM_WORLD in pairs (MPI_Comm_split),
 * each pair computing the sharded objective of the same data. Every process
 * checks its results; process 0 prints. `host_mpi fail` calls an entry that
 * fails on one process: every process ends. */
#include "sharded_lib.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "noinit") == 0) {
    /* A host that forgot MPI_Init: the call fails with a message, no crash. */
    fad_context *ctx = fad_context_new();
    double xs[] = {1.0}, value = 0;
    int64_t shape[] = {1};
    int rc = sharded_lib_value(ctx, 0.5, xs, shape, &value);
    printf("status %d: %s\n", rc, fad_context_error(ctx));
    fad_context_free(ctx);
    return 0;
  }
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm pair;
  MPI_Comm_split(MPI_COMM_WORLD, rank / 2, rank, &pair);
  if (fad_set_communicator(&pair) != FAD_OK || fad_set_communicator(NULL) == FAD_OK) {
    fprintf(stderr, "fad_set_communicator failed\n");
    return 1;
  }
  fad_context *ctx = fad_context_new();
  double xs[] = {1.0, 2.0, 3.0, 4.0, 5.0};
  int64_t shape[] = {5};
  if (argc > 1 && strcmp(argv[1], "fail") == 0) {
    double r;
    int rc = sharded_lib_fails(ctx, xs, shape, &r);
    printf("not reached: status %d\n", rc);
    return 0;
  }
  double value = 0, gradient = 0;
  int64_t index = -1, count = -1;
  int ok = sharded_lib_value(ctx, 0.5, xs, shape, &value) == FAD_OK &&
           sharded_lib_gradient(ctx, 0.5, xs, shape, &gradient) == FAD_OK &&
           sharded_lib_processes(ctx, 1, &index, &count) == FAD_OK;
  ok = ok && fabs(value - 3.75) < 1e-12 && fabs(gradient - 25.0) < 1e-12 &&
       index == rank % 2 && count == 2;
  /* Each process of a pair passes its own block: 1 2 3, then 4 5. */
  int first = rank % 2 == 0;
  double *mine = first ? xs : xs + 3, block_value = 0, block_gradient = 0, *data_gradient = NULL;
  int64_t mine_shape[] = {first ? 3 : 2}, data_gradient_shape[1];
  ok = ok && sharded_lib_block_value(ctx, 0.5, mine, mine_shape, &block_value) == FAD_OK &&
       sharded_lib_block_gradient(ctx, 0.5, mine, mine_shape, &block_gradient, &data_gradient,
                                  data_gradient_shape) == FAD_OK;
  /* d/dx (w x - 1)^2 = 2 w (w x - 1): this process's own elements only. */
  ok = ok && fabs(block_value - 3.75) < 1e-12 && fabs(block_gradient - 25.0) < 1e-12 &&
       data_gradient_shape[0] == mine_shape[0];
  for (int64_t i = 0; ok && i < mine_shape[0]; ++i)
    ok = fabs(data_gradient[i] - (0.5 * mine[i] - 1.0)) < 1e-12;
  fad_free(data_gradient);
  data_gradient = NULL;
  ok = ok && sharded_lib_block_data_gradient(ctx, 0.5, mine, mine_shape, &data_gradient,
                                             data_gradient_shape) == FAD_OK;
  for (int64_t i = 0; ok && i < mine_shape[0]; ++i)
    ok = fabs(data_gradient[i] - (0.5 * mine[i] - 1.0)) < 1e-12;
  fad_free(data_gradient);
  int all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (rank == 0)
    printf("value %g, gradient %g, process %lld of %lld\nevery process: %s\n", value, gradient,
           (long long)index, (long long)count, all ? "ok" : "FAILED");
  fad_context_free(ctx);
  MPI_Comm_free(&pair);
  MPI_Finalize();
  return all ? 0 : 1;
}
