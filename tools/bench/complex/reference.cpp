// The complex benchmark's C++ reference (run.py): the same map and sum as
// complex.fad's entries, with std::complex<double>, compiled with -O3.
// Reads n doubles of real parts and n of imaginary parts (raw files), runs
// the loop RUNS times, prints the sum and the median time in nanoseconds.
#include <algorithm>
#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <vector>

static std::vector<double> readDoubles(const char *path) {
  std::FILE *f = std::fopen(path, "rb");
  if (!f) {
    std::perror(path);
    std::exit(1);
  }
  std::vector<double> v;
  double x;
  while (std::fread(&x, sizeof x, 1, f) == 1)
    v.push_back(x);
  std::fclose(f);
  return v;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: reference RE.bin IM.bin RUNS\n");
    return 1;
  }
  std::vector<double> re = readDoubles(argv[1]), im = readDoubles(argv[2]);
  std::vector<std::complex<double>> z(re.size());
  for (size_t k = 0; k < z.size(); ++k)
    z[k] = {re[k], im[k]};
  const std::complex<double> w(0.3, -0.7);
  std::vector<long long> times;
  std::complex<double> s;
  for (int run = 0; run < std::atoi(argv[3]); ++run) {
    auto start = std::chrono::steady_clock::now();
    s = 0.0;
    for (const std::complex<double> &x : z)
      s += x * x * w + x / (x + w);
    auto end = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("%.17g %.17g %lld\n", s.real(), s.imag(), times[times.size() / 2]);
}
