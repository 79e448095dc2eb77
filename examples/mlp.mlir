// The MLP of Hypatia's predecessor: 784 -> 2048 (ReLU) -> 10, written unfused
// as a frontend would import it from PyTorch, with a dynamic batch size.
func.func @mlp(%x: tensor<?x784xf32>,
               %w1: tensor<2048x784xf32>, %b1: tensor<2048xf32>,
               %w2: tensor<10x2048xf32>, %b2: tensor<10xf32>) -> tensor<?x10xf32> {
  %h = hypatia.linear %x, %w1, %b1
      : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>) -> tensor<?x2048xf32>
  %a = hypatia.relu %h : tensor<?x2048xf32>
  %d = hypatia.dropout %a {probability = 0.1 : f64} : tensor<?x2048xf32>
  %y = hypatia.linear %d, %w2, %b2
      : (tensor<?x2048xf32>, tensor<10x2048xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}
