// activations.cuh — the element-wise activations by ur_activation number
// (0 linear, 1 tanh, 2 sigmoid, 3 hard_sigmoid, 4 relu) and their
// derivatives from the output, as activations.c computes them; shared by
// kernels.cu and recurrence.cu.
#ifndef UR_CUDA_ACTIVATIONS_CUH
#define UR_CUDA_ACTIVATIONS_CUH

__device__ __forceinline__ float act1(int a, float x)
{
    switch (a) {
    case 1: return tanhf(x);
    case 2: return 1.0f / (1.0f + expf(-x));
    case 3: { float y = x / 6.0f + 0.5f; return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y); }
    case 4: return x > 0.0f ? x : 0.0f;
    default: return x;
    }
}

__device__ __forceinline__ float act1_grad(int a, float y)
{
    switch (a) {
    case 1: return 1.0f - y * y;
    case 2: return y * (1.0f - y);
    case 3: return (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
    case 4: return y > 0.0f ? 1.0f : 0.0f;
    default: return 1.0f;
    }
}

#endif
