/*===- FADLibrary.h - The C API of libraries built by fadc --------*- C -*-===*
 *
 * `fadc --emit=lib prog.fad` writes libprog.a and prog.h; prog.h starts with
 * this text and then declares one C function per entry point. See
 * docs/CAPI.md. The contract, in short:
 *
 *  - A fad_context holds the message of the last failed call and the
 *    progress setting. Use one context per thread at a time; calls on
 *    different contexts may run concurrently (the library keeps no other
 *    mutable global state).
 *  - Arrays go in as a pointer to row-major (C order) elements and their
 *    extents; the library only reads them during the call and the caller
 *    keeps ownership.
 *  - Arrays come out freshly allocated, row-major, with their extents; the
 *    caller owns them and releases them with fad_free, never free (NULL is
 *    allowed).
 *  - Every entry function returns FAD_OK or an error code; on error its
 *    outputs are untouched (no array is left allocated) and
 *    fad_context_error(ctx) says what went wrong. A bad shape is an error,
 *    never an abort. A failed call may leak memory that the program had
 *    allocated before the failure.
 *  - Bools are one byte per element (uint8_t) in arrays and int32_t scalars.
 *  - Complex numbers are fad_c128 (C's double _Complex, C++'s
 *    std::complex<double>) and fad_c64 (float): arrays of them are
 *    interleaved (real, imaginary), as C, C++ and NumPy lay them out.
 *  - Large maps and sums run on several threads (OpenMP: link libomp, as
 *    `pkg-config --libs fad` says); everything else runs on the calling
 *    thread. fad_set_threads sets the thread count.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FAD_RUNTIME_FADLIBRARY_H
#define FAD_RUNTIME_FADLIBRARY_H

#include <stdint.h>

/* The complex types (one layout: two floats, real then imaginary). */
#ifdef __cplusplus
#include <complex>
typedef std::complex<double> fad_c128;
typedef std::complex<float> fad_c64;
#else
typedef double _Complex fad_c128;
typedef float _Complex fad_c64;
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes of entry functions. */
#define FAD_OK 0
#define FAD_ERROR_ARGUMENT 1 /* a null context or array, a negative extent */
#define FAD_ERROR_RUNTIME 2  /* the program failed: mismatched extents, an
                                index out of bounds, a fixpoint that does
                                not converge, ... */
#define FAD_ERROR_MEMORY 3   /* an output could not be allocated */

typedef struct fad_context fad_context;

/* A new context, or NULL if out of memory. */
fad_context *fad_context_new(void);
void fad_context_free(fad_context *ctx);

/* The message of the last failed call on `ctx` ("" after a success). Valid
 * until the next call on `ctx`. */
const char *fad_context_error(const fad_context *ctx);

/* Print the program's `report step value` calls whose step is a multiple of
 * `every` on stderr (0, the default, prints none). */
void fad_context_set_progress(fad_context *ctx, int64_t every);

/* How many threads the parallel loops of compiled code use from now on, in
 * every library of the process: n >= 1 threads (at most FAD_MAX_THREADS;
 * more are that many), or n <= 0 for the default
 * (OMP_NUM_THREADS if set, else one per core that the other runnable threads
 * of the system leave idle, read now). Results do not depend on it
 * but for the order in which sums add (last bits of floats). */
#define FAD_MAX_THREADS 1024
void fad_set_threads(int32_t n);
/* The thread count that parallel loops use. */
int32_t fad_threads(void);

/* The MPI communicator whose processes the collectives of a library built
 * with `fadc --emit=lib --mpi` (or --emit=shared) combine: `mpi_comm`
 * points to an MPI_Comm of the host's (copied; the host keeps it valid
 * while calls run, and has called MPI_Init). Without it they use
 * MPI_COMM_WORLD. Every process of the communicator must make the same
 * calls in the same order. Returns FAD_OK, or FAD_ERROR_ARGUMENT for a null
 * pointer or a library built without --mpi (which runs as one process). */
int fad_set_communicator(const void *mpi_comm);

/* Releases an array returned by an entry function (it comes from the
 * runtime's allocator: free() must not be used on it). */
void fad_free(void *data);

/* Used by the generated entry functions; not for direct use. */
typedef struct {
  int32_t kind, rank;   /* 0 f64, 1 f32, 2 i64, 3 i32, 4 bool, 5 c128, 6 c64;
                           rank 0: scalar */
  const void *data;     /* arrays; a complex scalar: its address */
  const int64_t *shape; /* arrays: rank extents */
  double f;             /* f64/f32 scalars */
  int64_t i;            /* integer and bool scalars */
} fad_arg;
typedef struct {
  int32_t kind, rank;
  void *scalar;   /* scalars: where to store the value */
  void **data;    /* arrays: where to store the new array */
  int64_t *shape; /* arrays: where to store its rank extents */
} fad_result;
int fad_call(fad_context *ctx, const char *entry, void (*thunk)(void),
             const fad_arg *args, int64_t nargs, fad_result *results, int64_t nresults);

#ifdef __cplusplus
}
#endif

#endif /* FAD_RUNTIME_FADLIBRARY_H */
