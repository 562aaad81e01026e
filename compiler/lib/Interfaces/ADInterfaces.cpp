//===- ADInterfaces.cpp - How fad ops state their derivatives -----*- C++ -*-===//
//
// This file implements the generated parts of the AD op interfaces.
//
//===----------------------------------------------------------------------===//

#include "fad/Interfaces/ADInterfaces.h"

#include "fad/Interfaces/ADInterfaces.cpp.inc"
