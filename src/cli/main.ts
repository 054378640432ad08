/**
 * Entry point of the `atelier` command (bin/atelier.js imports this file; `npm start` runs `main.ts daemon`).
 * The program itself is in program.ts so tests can build it without running it.
 */
import { run } from './program.ts'

// `atelier records --all | head`: a closed pipe ends the output, not in an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

process.exitCode = await run(process.argv.slice(2))
