/*===- FADRuntime.h - The fad runtime's C ABI ---------------------*- C -*-===*
 *
 * The functions that compiled fad programs call. Executables built by fadc
 * link libfad_runtime.a, whose `main` parses the command line and calls the
 * generated `fad_main`. Arrays cross this boundary as MLIR unranked memrefs:
 * a rank and a pointer to a strided descriptor
 *   { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank];
 *     int64_t strides[rank]; }
 * Bools are passed as int32_t (0 or 1) and stored one byte per element.
 * A complex number (c128, c64) is two leaves in generated code, its real and
 * imaginary parts (arrays of them: two arrays), and one value in the input
 * and the output; the functions below take a `part`, 0 real or 1 imaginary.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FAD_RUNTIME_FADRUNTIME_H
#define FAD_RUNTIME_FADRUNTIME_H

#include <stdint.h>

/* Element kinds, as passed to fad_rt_arg_dim. */
#define FAD_KIND_F64 0
#define FAD_KIND_F32 1
#define FAD_KIND_I64 2
#define FAD_KIND_I32 3
#define FAD_KIND_BOOL 4
#define FAD_KIND_C128 5
#define FAD_KIND_C64 6

/* The deepest nesting of brackets and parentheses that any fad reader
 * accepts: program text (fadc, fad-repl) and literals on standard input.
 * Readers recurse per level; this bound keeps them within their stacks. */
#define FAD_MAX_NESTING 256

#ifdef __cplusplus
extern "C" {
#endif

/* The program's generated driver; returns when the selected entry is done. */
void fad_main(void);

/* Returns 1 if `entry` is the entry point selected on the command line (-e,
 * default "main"); it then reads the standard input as `nparams` literals
 * that flatten to `nleaves` scalars or arrays (tuples into their components,
 * arrays of tuples into one array per component). Exits on bad input. */
int32_t fad_rt_select(const char *entry, int64_t nparams, int64_t nleaves);

/* Leaf `leaf` of the input as a scalar of the given type. */
double fad_rt_arg_f64(int64_t leaf);
float fad_rt_arg_f32(int64_t leaf);
int64_t fad_rt_arg_i64(int64_t leaf);
int32_t fad_rt_arg_i32(int64_t leaf);
int32_t fad_rt_arg_bool(int64_t leaf);
/* A part of a complex scalar leaf (a real number is one with imaginary 0). */
double fad_rt_arg_c128(int64_t leaf, int32_t part);
float fad_rt_arg_c64(int64_t leaf, int32_t part);

/* Extent `dim` of leaf `leaf`, checked to be an array of `rank` and `kind`. */
int64_t fad_rt_arg_dim(int64_t leaf, int64_t kind, int64_t rank, int64_t dim);

/* Copies leaf `leaf` into the (already allocated) array `desc`. */
void fad_rt_arg_fill_f64(int64_t leaf, int64_t rank, void *desc);
void fad_rt_arg_fill_f32(int64_t leaf, int64_t rank, void *desc);
void fad_rt_arg_fill_i64(int64_t leaf, int64_t rank, void *desc);
void fad_rt_arg_fill_i32(int64_t leaf, int64_t rank, void *desc);
void fad_rt_arg_fill_bool(int64_t leaf, int64_t rank, void *desc);
/* Copies a part of complex array leaf `leaf` into `desc`. */
void fad_rt_arg_fill_c128(int64_t leaf, int32_t part, int64_t rank, void *desc);
void fad_rt_arg_fill_c64(int64_t leaf, int32_t part, int64_t rank, void *desc);

/* Number of runs requested with -r (at least 1); the timer around each. */
int64_t fad_rt_runs(void);
void fad_rt_timer_start(void);
void fad_rt_timer_stop(void);

/* Print one result on its own line (or write it as .npy, see --npy-out). */
void fad_rt_print_f64(double v);
void fad_rt_print_f32(float v);
void fad_rt_print_i64(int64_t v);
void fad_rt_print_i32(int32_t v);
void fad_rt_print_bool(int32_t v);
void fad_rt_print_array_f64(int64_t rank, void *desc);
void fad_rt_print_array_f32(int64_t rank, void *desc);
void fad_rt_print_array_i64(int64_t rank, void *desc);
void fad_rt_print_array_i32(int64_t rank, void *desc);
void fad_rt_print_array_bool(int64_t rank, void *desc);
/* A complex result from its parts (arrays: of the same extents). */
void fad_rt_print_c128(double re, double im);
void fad_rt_print_c64(float re, float im);
void fad_rt_print_array_c128(int64_t rank, void *re, int64_t rank_im, void *im);
void fad_rt_print_array_c64(int64_t rank, void *re, int64_t rank_im, void *im);

/* A progress report: prints "step <step>: <value>" on stderr when the
   program runs with -p N and N divides step. */
void fad_rt_report(int64_t step, double value);

/* trace "label" x (fad.trace): prints "<label>: <value>" (just "<value>" for
   an empty label) as one line on stderr, the value formatted as a result.
   A scalar comes as its kind (FAD_KIND_*) and its value in f (floats) or i
   (integers, bool as 0/1); an array as an unranked memref. */
void fad_rt_trace_scalar(const char *label, int64_t kind, double f, int64_t i);
void fad_rt_trace_array_f64(const char *label, int64_t rank, void *desc);
void fad_rt_trace_array_f32(const char *label, int64_t rank, void *desc);
void fad_rt_trace_array_i64(const char *label, int64_t rank, void *desc);
void fad_rt_trace_array_i32(const char *label, int64_t rank, void *desc);
void fad_rt_trace_array_bool(const char *label, int64_t rank, void *desc);

/* Processes and collectives (runtime/lib/Distributed.cpp): one process
   without MPI (index 0 of 1, every collective the identity), MPI_COMM_WORLD's
   under `fadc --mpi`. `kind` is 0 sum, 1 max, 2 min. Arrays as unranked
   memrefs (rank, descriptor) with identity layouts; `out` is allocated by
   the caller: the input's extents (allreduce), the sum over processes of
   the leading extents (allgather), this process's block (reduce_scatter).
   Extents that differ between processes stop the program with `location`. */
int64_t fad_rt_process_index(void);
int64_t fad_rt_process_count(void);
double fad_rt_allreduce_f64(double value, int32_t kind, const char *location);
float fad_rt_allreduce_f32(float value, int32_t kind, const char *location);
int64_t fad_rt_allreduce_i64(int64_t value, int32_t kind, const char *location);
int32_t fad_rt_allreduce_i32(int32_t value, int32_t kind, const char *location);
#define FAD_DECLARE_COLLECTIVES(SUFFIX)                                                  \
  void fad_rt_allreduce_array_##SUFFIX(int64_t rank_in, void *in, int64_t rank_out,     \
                                       void *out, int32_t kind, const char *location);   \
  void fad_rt_allgather_##SUFFIX(int64_t rank_in, void *in, int64_t rank_out, void *out, \
                                 const char *location);                                  \
  void fad_rt_reduce_scatter_##SUFFIX(int64_t rank_in, void *in, int64_t rank_out,      \
                                      void *out, const char *location);
FAD_DECLARE_COLLECTIVES(f64)
FAD_DECLARE_COLLECTIVES(f32)
FAD_DECLARE_COLLECTIVES(i64)
FAD_DECLARE_COLLECTIVES(i32)
#undef FAD_DECLARE_COLLECTIVES

/* Dense linear algebra (fad.solve, fad.slogdet; runtime/lib/Linalg.cpp):
   arrays as unranked memrefs (rank, descriptor). solve writes x with
   A x = b; `mode` bit 1: A^T x = b, bit 2 (4): A is its lower (upper)
   triangle, solved by substitution; it stops the program with `location`
   when A is singular; slogdet writes the sign of det A and
   log |det A| into out[0], out[1] (0 and -inf when A is singular). Both stop
   the program when A is not square or b's rows are not A's. */
void fad_rt_solve_f64(int64_t rank_a, void *a, int64_t rank_b, void *b, int64_t rank_x,
                      void *x, int32_t mode, const char *location);
void fad_rt_solve_f32(int64_t rank_a, void *a, int64_t rank_b, void *b, int64_t rank_x,
                      void *x, int32_t mode, const char *location);
void fad_rt_slogdet_f64(int64_t rank_a, void *a, int64_t rank_out, void *out,
                        const char *location);
void fad_rt_slogdet_f32(int64_t rank_a, void *a, int64_t rank_out, void *out,
                        const char *location);
/* eigh: the eigenvalues w (ascending) and eigenvectors v (columns) of the
   symmetric part of A, by Jacobi rotations (fad.eigh). */
void fad_rt_eigh_f64(int64_t rank_a, void *a, int64_t rank_w, void *w, int64_t rank_v, void *v,
                     const char *location);
void fad_rt_eigh_f32(int64_t rank_a, void *a, int64_t rank_w, void *w, int64_t rank_v, void *v,
                     const char *location);
/* svd: the thin SVD A = U diag(s) V^T, s descending, by one-sided Jacobi
   rotations (fad.svd). */
void fad_rt_svd_f64(int64_t rank_a, void *a, int64_t rank_u, void *u, int64_t rank_s, void *s,
                    int64_t rank_vt, void *vt);
void fad_rt_svd_f32(int64_t rank_a, void *a, int64_t rank_u, void *u, int64_t rank_s, void *s,
                    int64_t rank_vt, void *vt);
/* qr: the thin QR A = Q R (m >= n, R's diagonal >= 0), by Householder
   reflections (fad.qr); m < n stops the program with `location`. */
void fad_rt_qr_f64(int64_t rank_a, void *a, int64_t rank_q, void *q, int64_t rank_r, void *r,
                   const char *location);
void fad_rt_qr_f32(int64_t rank_a, void *a, int64_t rank_q, void *q, int64_t rank_r, void *r,
                   const char *location);

/* fad-repl: runs a library thunk (see FADLibrary.h) of an entry without
   parameters, printing its results on stdout as an executable would; a
   run-time error ends the call, not the process: returns a FAD_* status
   with the message in fad_context_error. */
struct fad_context;
int fad_rt_call_printing(struct fad_context *ctx, const char *entry, void (*thunk)(void));

/* How many shares a loop that only accumulates is split into
   (fad-split-accumulations): the thread count (1 in a library call of a
   --target=cuda program, whose loops with run-time checks run sequentially
   on the host). */
int64_t fad_rt_chunks(void);

/* A parallel loop with run-time checks in a library or REPL call
   (fad-parallelize's unwind-checks) runs one chunk of its iterations per
   thread:
     call = fad_rt_chunks_begin();           -- the caller's thread
     in each chunk t:
       if (_setjmp(fad_rt_chunk_begin(call, t)) == 0) { the iterations }
       fad_rt_chunk_end();
     fad_rt_chunks_end(call);                -- the caller's thread
   A failed check in chunk t records its message and jumps back to the
   chunk's start, which then skips the rest of the chunk; fad_rt_chunks_end
   ends the call with the message of the first chunk that failed (the
   error a sequential run reports). Outside a library call `call` is null
   and a failed check ends the process, as in an executable. */
void *fad_rt_chunks_begin(void);
void *fad_rt_chunk_begin(void *call, int64_t chunk);
void fad_rt_chunk_end(void);
void fad_rt_chunks_end(void *call);

/* Run-time errors: print one line on stderr and exit with status 1 (inside a
   library call: end that call with the message). */
void fad_rt_fail(const char *message);
void fad_rt_index_error(const char *location, int64_t index, int64_t extent);
/* `message` (which starts with its location), then " (sizes a and b)". */
void fad_rt_size_error(const char *message, int64_t a, int64_t b);
void fad_rt_fixpoint_error(const char *location, int64_t iterations, double lastChange);

#ifdef __cplusplus
}
#endif

#endif /* FAD_RUNTIME_FADRUNTIME_H */
