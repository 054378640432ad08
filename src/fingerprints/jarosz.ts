/**
 * PDQ's downsampling, in 32-bit floats as the reference (ThreatExchange pdq/cpp/downscaling) computes it: two
 * passes of a box filter along rows then columns (a "Jarosz filter", close to a tent/Gaussian blur) with a window of
 * ceil(old / (2·new)), then point sampling at the centre of each output cell. Math.fround after every operation
 * reproduces C's float arithmetic. On the published vectors plain doubles happen to give the same hashes, but a
 * coefficient lying at the median can round either way, so we round as the reference does.
 */
const f32 = Math.fround

export const PDQ_JAROSZ_PASSES = 2

/** Window length of one box pass so that two passes cover one output cell: ceil(old / (2·new)) */
export function jaroszWindow (oldDim: number, newDim: number): number {
  return Math.floor((oldDim + 2 * newDim - 1) / (2 * newDim))
}

/**
 * One box pass over a vector of `length` values at `stride`: window centred as the reference's (half = (w+2)/2,
 * shrinking at both ends, each output the mean of what the window covers)
 */
function box1D (input: Float32Array, output: Float32Array, offset: number, length: number, stride: number, window: number): void {
  const half = (window + 2) >> 1
  const phase1 = half - 1
  const phase2 = window - half + 1
  const phase3 = length - window
  const phase4 = half - 1
  let li = offset
  let ri = offset
  let oi = offset
  let sum = 0
  let count = 0
  for (let i = 0; i < phase1; i++) {
    sum = f32(sum + input[ri]); count++; ri += stride
  }
  for (let i = 0; i < phase2; i++) {
    sum = f32(sum + input[ri]); count++
    output[oi] = sum / count
    ri += stride; oi += stride
  }
  for (let i = 0; i < phase3; i++) {
    sum = f32(sum + input[ri])
    sum = f32(sum - input[li])
    output[oi] = sum / count
    li += stride; ri += stride; oi += stride
  }
  for (let i = 0; i < phase4; i++) {
    sum = f32(sum - input[li]); count--
    output[oi] = sum / count
    li += stride; oi += stride
  }
}

/**
 * The same box pass down every column at once, row by row (cache-friendly; a column-at-a-time walk strides the whole
 * matrix). Each column's sums are the same float operations in the same order as box1D's, kept in a Float32Array
 * so every store rounds to float as C does.
 */
function boxAlongCols (input: Float32Array, output: Float32Array, rows: number, cols: number, window: number): void {
  const half = (window + 2) >> 1
  const phase1 = half - 1
  const phase2 = window - half + 1
  const phase3 = rows - window
  const phase4 = half - 1
  const sums = new Float32Array(cols)
  let li = 0
  let ri = 0
  let oi = 0
  let count = 0
  for (let i = 0; i < phase1; i++, ri += cols) {
    for (let j = 0; j < cols; j++) sums[j] += input[ri + j]
    count++
  }
  for (let i = 0; i < phase2; i++, ri += cols, oi += cols) {
    count++
    for (let j = 0; j < cols; j++) {
      sums[j] += input[ri + j]
      output[oi + j] = sums[j] / count
    }
  }
  for (let i = 0; i < phase3; i++, li += cols, ri += cols, oi += cols) {
    for (let j = 0; j < cols; j++) {
      sums[j] += input[ri + j]
      sums[j] -= input[li + j]
      output[oi + j] = sums[j] / count
    }
  }
  for (let i = 0; i < phase4; i++, li += cols, oi += cols) {
    count--
    for (let j = 0; j < cols; j++) {
      sums[j] -= input[li + j]
      output[oi + j] = sums[j] / count
    }
  }
}

/** Blur `a` in place (b is scratch of the same size): `passes` × (rows pass into b, columns pass back into a) */
export function jaroszFilter (a: Float32Array, b: Float32Array, rows: number, cols: number, windowAlongRows: number, windowAlongCols: number, passes = PDQ_JAROSZ_PASSES): void {
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < rows; i++) box1D(a, b, i * cols, cols, 1, windowAlongRows)
    boxAlongCols(b, a, rows, cols, windowAlongCols)
  }
}

/** Sample the centre of each of outRows × outCols cells (the reference's decimateFloat) */
export function decimate (input: Float32Array, rows: number, cols: number, outRows: number, outCols: number): Float32Array {
  const out = new Float32Array(outRows * outCols)
  for (let oi = 0; oi < outRows; oi++) {
    const ii = Math.floor(((oi + 0.5) * rows) / outRows)
    for (let oj = 0; oj < outCols; oj++) {
      const ij = Math.floor(((oj + 0.5) * cols) / outCols)
      out[oi * outCols + oj] = input[ii * cols + ij]
    }
  }
  return out
}
