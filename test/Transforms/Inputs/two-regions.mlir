// Two regions for --fuse-mlp (used by fuse-mlp.mlir): a 1024 x 1024 GEMM whose
// result has a relu and a silu user, beside a separate three-layer 512-wide
// chain; no class is reachable from both, so each is extracted apart.
func.func @f(%x: tensor<1024x1024xf32>, %w: tensor<1024x1024xf32>, %b: tensor<1024xf32>, %y: tensor<?x512xf32>, %v0: tensor<512x512xf32>, %c0: tensor<512xf32>, %v1: tensor<512x512xf32>, %c1: tensor<512xf32>, %v2: tensor<512x512xf32>, %c2: tensor<512xf32>) -> (tensor<1024x1024xf32>, tensor<1024x1024xf32>, tensor<?x512xf32>) {
  %g = hypatia.linear %x, %w, %b : (tensor<1024x1024xf32>, tensor<1024x1024xf32>, tensor<1024xf32>) -> tensor<1024x1024xf32>
  %r = hypatia.relu %g : tensor<1024x1024xf32>
  %s = hypatia.silu %g : tensor<1024x1024xf32>
  %h0 = hypatia.linear %y, %v0, %c0 : (tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %a0 = hypatia.relu %h0 : tensor<?x512xf32>
  %h1 = hypatia.linear %a0, %v1, %c1 : (tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %a1 = hypatia.relu %h1 : tensor<?x512xf32>
  %h2 = hypatia.linear %a1, %v2, %c2 : (tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %a2 = hypatia.relu %h2 : tensor<?x512xf32>
  return %r, %s, %a2 : tensor<1024x1024xf32>, tensor<1024x1024xf32>, tensor<?x512xf32>
}
