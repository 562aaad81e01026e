//===- CheckpointPolicy.h - How reverse mode keeps loop states ----*- C++ -*-===//
//
// The checkpoint policies of reverse mode (docs/AD.md, "Loops"): an option of
// fad-vjp and fad-ad, of fadc (--checkpoint) and of the pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_CHECKPOINTPOLICY_H
#define FAD_AD_CHECKPOINTPOLICY_H

namespace fad {
/// How reverse mode keeps the states of a loop for its backward sweep.
enum class CheckpointPolicy {
  StoreAll, ///< every iteration's state: memory n states, no recomputation
  Sqrt,     ///< every ceil(sqrt n)-th state, each segment recomputed from its
            ///< checkpoint: memory about 2 sqrt(n) states, one more primal run
  Auto,     ///< for loops whose state holds an array, StoreAll when the tape
            ///< fits a budget (decided at run time), else Sqrt; else StoreAll
};
} // namespace fad

/// The policies' names, for command-line options (llvm::cl::values).
#define FAD_CHECKPOINT_POLICY_VALUES                                                  \
  clEnumValN(::fad::CheckpointPolicy::StoreAll, "store-all",                          \
             "every state (memory n states)"),                                         \
      clEnumValN(::fad::CheckpointPolicy::Sqrt, "sqrt",                               \
                 "every ceil(sqrt n)-th state, segments recomputed"),                  \
      clEnumValN(::fad::CheckpointPolicy::Auto, "auto",                               \
                 "store-all up to a 64 MiB tape, else sqrt, for loops whose state "   \
                 "holds an array (the default)")

#endif // FAD_AD_CHECKPOINTPOLICY_H
