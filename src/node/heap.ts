/**
 * How the daemon process is started: Node flags and glibc malloc settings, both read once at process start (so
 * `bin/atelier.js`, the test harness and the lab pass them when they spawn a daemon; setting them at run time does
 * not reshape a heap already laid out). Measured with `bench/fuzz.ts` (docs/benchmarks.md, "Fuzz, long run").
 */

/**
 * - `--max-semi-space-size=4`: adding or serving a large file allocates a fresh buffer for every piece read from a
 *   socket or a disk; with V8's default young generation (16 MiB semi-spaces) a fast add lets tens of MiB of dead
 *   buffers float before a scavenge frees them. 4 MiB semi-spaces collect them sooner: measured on a 1 GiB add, peak
 *   RSS 284 → 229–239 MB, at the same add speed within noise.
 * - `--heap-growing-percent=50`: after each major GC V8 lets the old generation grow to the live size times a factor
 *   it picks from GC and allocation speed, up to 4× when the heap limit is large (4 GiB here). Under a fuzz load the
 *   daemon's main heap then reached 290 MiB committed around 80–100 MiB of live objects; a fixed 1.5× keeps the heap
 *   proportional to what is live without a hard ceiling (a node holding a million fingerprints legitimately has a
 *   live heap of several hundred MiB, and a hard `--max-old-space-size` would end it), at the cost of more frequent
 *   major GCs, which run mostly concurrently.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50']

/**
 * glibc malloc settings for the daemon's environment (a value already set in the environment wins: an operator can
 * change them). Node's Buffers, libp2p's frames and LevelDB's blocks are malloc'd, not on the V8 heap.
 * - `MALLOC_MMAP_THRESHOLD_`: by default glibc raises its mmap threshold to the size of each large block freed (up to
 *   32 MiB), so after the first freed 1 MiB frame every later one comes from the arena, and the arena (in the main
 *   thread's `[heap]` especially, which can only shrink from its top) stays at its high-water mark. A fixed 128 KiB
 *   (the default's starting value) keeps large blocks in their own mappings, returned to the system when freed.
 * - `MALLOC_ARENA_MAX=2`: each thread that mallocs (libuv's pool, V8's helpers, LevelDB's compactions, the
 *   validation workers) would otherwise get an arena of its own, up to 8 per core, each keeping its free memory.
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' }

/** `env` with the daemon's malloc settings added where `env` does not set them */
export function daemonEnv (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...DAEMON_ENV, ...env }
}
