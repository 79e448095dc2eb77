// A kernel for the GPU runtime's tests, compiled at build time through MLIR's
// GPU pipeline (parallel loops -> gpu.launch -> NVVM -> cubin for sm_90 ->
// host code calling the mgpu* functions): y = silu(x) over [?, 64].
func.func @silu(%x: memref<?x64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %negated = arith.negf %in : f32
    %exp = math.exp %negated : f32
    %one = arith.constant 1.0 : f32
    %denominator = arith.addf %one, %exp : f32
    %result = arith.divf %in, %denominator : f32
    linalg.yield %result : f32
  }
  return
}
