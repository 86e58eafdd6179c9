// OpenBLAS's cblas.h (include path from pkg-config openblas) plus its thread control.
#include <cblas.h>
