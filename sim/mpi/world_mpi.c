/* MPI_COMM_WORLD for the clvsim program, as a module of its own (libclvsim_mpi_world.so).
 *
 * world_loader.cpp loads it only when an MPI launcher started the process, so that a program
 * started on its own never maps libmpi and the libraries it needs. The module is plain C with a C
 * interface: it shares no C++ run-time with the program (which may carry its own, linked
 * statically), and every error comes back as MPI's error code, which the program turns into an
 * exception on its side (clvsim_mpi_error_string gives the text).
 *
 * Every function returns MPI_SUCCESS or MPI's error code. */
#include <mpi.h>

#define CLVSIM_EXPORT __attribute__((visibility("default")))

/* Initialises MPI for a main thread that alone calls MPI (OpenMP threads never do), unless the
 * host already did; *owns says whether clvsim_mpi_finalize must finalise it. Errors of later
 * calls are returned, not fatal. */
CLVSIM_EXPORT int clvsim_mpi_init(int* argc, char*** argv, int* rank, int* size, int* owns) {
  int initialized = 0, code = MPI_SUCCESS;
  MPI_Initialized(&initialized);
  *owns = 0;
  if (!initialized) {
    int provided = 0;
    code = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS) return code;
    *owns = 1;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  code = MPI_Comm_rank(MPI_COMM_WORLD, rank);
  if (code != MPI_SUCCESS) return code;
  return MPI_Comm_size(MPI_COMM_WORLD, size);
}

/* Finalises MPI if clvsim_mpi_init initialised it and nothing else finalised it since. */
CLVSIM_EXPORT void clvsim_mpi_finalize(int owns) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns && !finalized) MPI_Finalize();
}

CLVSIM_EXPORT int clvsim_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

/* counts[r] = rank r's n, on every rank. */
CLVSIM_EXPORT int clvsim_mpi_gather_counts(int n, int* counts) {
  return MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
}

/* Every rank's `n` values concatenated in rank order into `all`, on every rank. */
CLVSIM_EXPORT int clvsim_mpi_all_gather(const double* local, int n, double* all, const int* counts,
                                        const int* offsets) {
  return MPI_Allgatherv(local, n, MPI_DOUBLE, all, counts, offsets, MPI_DOUBLE, MPI_COMM_WORLD);
}

/* *out = 1 on every rank if flag is non-zero on any rank. */
CLVSIM_EXPORT int clvsim_mpi_any(int flag, int* out) {
  return MPI_Allreduce(&flag, out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
}

/* MPI's text for an error code, truncated to fit `size` bytes (terminated). */
CLVSIM_EXPORT void clvsim_mpi_error_string(int code, char* text, int size) {
  char buffer[MPI_MAX_ERROR_STRING];
  int length = 0, i = 0;
  if (size <= 0) return;
  if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) length = 0;
  for (; i < length && i < size - 1; ++i) text[i] = buffer[i];
  text[i] = '\0';
}
