/**
 * Entry point of the `atelier` command (bin/atelier.js imports this file; `npm start` runs `main.ts daemon`).
 * The program itself is in program.ts so tests can build it without running it.
 *
 * Every start compiles some hundred modules (and strips their types): V8's on-disk compile cache (Node's
 * `module.enableCompileCache`, in the OS temp dir unless NODE_COMPILE_CACHE names one; NODE_DISABLE_COMPILE_CACHE=1
 * turns it off) skips that on the next start. Measured here: a CLI command 0.6 → 0.3 s of CPU, a daemon start
 * 3.7 → 2.9 s. It must be on before the program's modules load, hence the dynamic import below; the directory goes
 * into the environment so the daemon's worker threads and child processes use it too.
 */
import { enableCompileCache } from 'node:module'

const cache = enableCompileCache()
if (cache.directory != null && process.env.NODE_COMPILE_CACHE == null) process.env.NODE_COMPILE_CACHE = cache.directory

const { run } = await import('./program.ts')

// `atelier records --all | head`: a closed pipe ends the output, not in an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

process.exitCode = await run(process.argv.slice(2))
