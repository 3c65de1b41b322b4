"""cityclusters: data step, tidy tables and indicators for the executable book
*Coordinated development of Chinese city clusters* (城市群协同发展)."""

import os as _os

__version__ = "0.1.0"

#: Thread pools of the numerical libraries (OpenMP, OpenBLAS, MKL, numexpr). Every process that
#: imports the package, and every kernel or worker it starts, computes with one thread unless the
#: user set these variables: a sum split over threads is added in another order, so the last digit
#: of a number would depend on the machine's cores and on how many chapters run at once (and two
#: kernels with two threads each would oversubscribe two cores).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
for _name in THREAD_VARIABLES:
    _os.environ.setdefault(_name, "1")
