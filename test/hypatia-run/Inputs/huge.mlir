// Shapes too large for any host: hypatia-run refuses them with a message.
func.func @layer(%x: tensor<?x784xf32>) -> tensor<?x784xf32> {
  %0 = hypatia.relu %x : tensor<?x784xf32>
  return %0 : tensor<?x784xf32>
}

func.func @big(%x: tensor<4611686018427387904x784xf32>) -> tensor<4611686018427387904x784xf32> {
  %0 = hypatia.relu %x : tensor<4611686018427387904x784xf32>
  return %0 : tensor<4611686018427387904x784xf32>
}
