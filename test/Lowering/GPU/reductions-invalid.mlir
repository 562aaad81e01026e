// fad-gpu-reductions refuses a first level without threads.
// RUN: fad-opt %s --fad-gpu-reductions="max-partials=0" -verify-diagnostics

// expected-error @+1 {{fad-gpu-reductions: max-partials must be at least 1}}
module {
}
