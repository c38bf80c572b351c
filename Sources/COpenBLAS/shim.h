#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS extension: threads used by sgemm (declared in openblas_config.h on Debian).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
