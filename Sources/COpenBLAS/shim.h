#ifndef TRAINSCOPE_COPENBLAS_SHIM_H
#define TRAINSCOPE_COPENBLAS_SHIM_H
// CBLAS from OpenBLAS (Debian: libopenblas-dev). The include path comes from pkg-config `openblas`.
#include <cblas.h>

// OpenBLAS thread control (declared in openblas_config.h / cblas.h on most builds; repeated so the
// shim does not depend on which header version is installed).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

// LAPACK symmetric eigensolvers, Fortran calling convention, shipped inside libopenblas.
// Declared here because Debian puts lapacke.h in a separate package.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);
#endif
