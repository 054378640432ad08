/**
 * Vite build of the node's web page: `web/` in, `web/dist/` out (served by the gateway at `/`).
 *
 * The page imports src/records/ (the record format) to verify signatures itself; that folder is pure by design,
 * and the `no-node-builtins` plugin keeps it so: a `node:` import anywhere in the page's graph fails the build
 * instead of being stubbed out silently.
 */
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

/** Fail the build on any import of a Node built-in: the page must run in a browser as it is */
function noNodeBuiltins (): Plugin {
  return {
    name: 'atelier-no-node-builtins',
    enforce: 'pre',
    resolveId (source, importer) {
      if (source.startsWith('node:')) {
        throw new Error(`the web page must not import Node built-ins: ${source} (from ${importer ?? 'the entry'})`)
      }
      return null
    }
  }
}

export default defineConfig({
  // web/ is the root (index.html); paths in the built page are absolute (/assets/…), as the gateway serves them
  base: '/',
  plugins: [noNodeBuiltins()],
  // the page never loads anything from another origin, so no public dir and no CDN
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // ajv's schema compiler and cytoscape make a large chunk; the page is served from the local node
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    reportCompressedSize: false
  }
})
