//===- ADInterfaces.cpp - How fad ops state their derivatives -----*- C++ -*-===//
//
// This file implements the generated parts of the AD op interfaces.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/ADInterfaces.h"

#include "fad/AD/ADInterfaces.cpp.inc"
