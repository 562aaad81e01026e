# -*- Python -*-
# lit configuration of the fad regression tests: FileCheck tests of the
# parser, the dialect, each pass, and end-to-end .fad programs.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "FAD"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".fad", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fad_obj_root, "test")
# Unit tests run under ctest; Inputs/ hold files that other tests import.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "unittests", "lib", "Inputs"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
# lit runs one test per core; a compiled program that also spun up one OpenMP
# thread per core would oversubscribe the machine and wait on its own spinning
# threads. Tests of parallel execution ask for threads explicitly (-j N).
config.environment["OMP_NUM_THREADS"] = "1"
llvm_config.use_default_substitutions()

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%stdlib", os.path.join(config.fad_src_root, "stdlib")))
config.substitutions.append(("%fad_build", config.fad_obj_root))
config.substitutions.append(("%fad_src", config.fad_src_root))
# What a C host of a static fad library links (as `pkg-config --libs fad`).
config.substitutions.append(
    ("%fad_host_libs", "-L%s -lomp -lstdc++ -lmvec -lm" % config.fad_openmp_dir))
# Host programs in Python need NumPy, which Debian's python3 has (python3-numpy).
host_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else config.python_executable
config.substitutions.append(("%host_python", host_python))
tool_dirs = [config.fad_tools_dir, config.llvm_tools_dir]
# `--param fadc_target=T` compiles every test's programs with --target=T:
# the e2e suite run under cuda-emulate must print what the host build prints.
fadc_target = lit_config.params.get("fadc_target")
if fadc_target:
    from lit.llvm.subst import ToolSubst
    config.available_features.add("target-" + fadc_target)
    fadc_tool = ToolSubst("fadc", extra_args=["--target=" + fadc_target])
else:
    fadc_tool = "fadc"
llvm_config.add_tool_substitutions([fadc_tool, "fad-opt", "fad-repl"], tool_dirs)
# AddressSanitizer's runtime, preloaded into Python to check the libraries'
# frees (test/Library/python.test).
try:
    libasan = subprocess.check_output(["cc", "-print-file-name=libasan.so"], text=True).strip()
except (OSError, subprocess.CalledProcessError):
    libasan = ""
if os.path.isabs(libasan) and os.path.exists(libasan):
    config.available_features.add("asan")
    config.substitutions.append(("%libasan", libasan))

# The CUDA toolkit's ptxas checks the PTX of --target=cuda (gpu tests).
ptxas = shutil.which("ptxas") or shutil.which("ptxas", path="/usr/local/cuda/bin")
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The fake CUDA driver of the unit tests (test/unittests/Runtime), for
# running libraries built for cuda on machines without a GPU.
fake_cuda = os.path.join(config.fad_obj_root, "test", "unittests", "libfad_fake_cuda.so")
if os.path.exists(fake_cuda):
    config.available_features.add("fake-cuda")
    config.substitutions.append(("%fake_cuda", fake_cuda))

# Open MPI: fadc --mpi programs under mpirun (test/Distributed), on this
# machine only (plm isolated: no ssh needed), as many processes as asked
# whatever the cores, also as root (CI runs as root), one thread each.
mpirun = shutil.which("mpirun")
if mpirun and config.fad_mpi in ("1", "TRUE", "ON"):
    config.available_features.add("mpi")
    config.substitutions.append(
        ("%mpirun", mpirun + " --oversubscribe --allow-run-as-root --mca plm isolated --mca btl self,vader -x OMP_NUM_THREADS=1"))

# script(1) gives fad-repl a pseudo-terminal (terminal.test).
if shutil.which("script"):
    config.available_features.add("script")
llvm_config.add_tool_substitutions(["count", "not", "split-file"], [config.llvm_tools_dir])
