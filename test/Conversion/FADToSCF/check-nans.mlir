// convert-fad-to-scf check-nans: each scalar float op that computes is
// followed by a finiteness check at its location; reading elements, integer
// ops and report are not checked.
// RUN: fad-opt %s --convert-fad-to-scf="check-nans=1" | FileCheck %s
// RUN: fad-opt %s --convert-fad-to-scf | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @checked
// CHECK:         %[[E:.*]] = tensor.extract
// CHECK-NEXT:    %[[L:.*]] = math.log %[[E]] : f64
// CHECK:         %[[A:.*]] = math.absf %[[L]] : f64
// CHECK:         %[[OK:.*]] = arith.cmpf olt, %[[A]], %{{.*}} : f64
// CHECK:         scf.if
// CHECK:           func.call @fad_rt_fail
// CHECK:         %[[S:.*]] = arith.addi
// CHECK-NOT:     math.absf
// CHECK:         return
// OFF-LABEL: func.func @checked
// OFF-NOT:     math.absf
func.func @checked(%x: tensor<?xf64>, %i: i64) -> (f64, i64) {
  %c0 = arith.constant 0 : i64
  %e = fad.index %x[%c0] : tensor<?xf64> -> f64
  %l = fad.log %e : f64
  %s = fad.add %i, %i : i64
  return %l, %s : f64, i64
}
