/**
 * Sending a body whose chunks are borrowed buffers (`ReadOptions.borrow`, src/store/buffer-pool.ts).
 *
 * A chunk may go back to its pool only when nothing will read its bytes again. Node tells that per write: the
 * callback of `res.write(chunk, cb)` runs once the socket is done with the chunk. Fastify's stream sending does not
 * expose it, so the reply is hijacked and written here: the head fastify prepared, the chunks, the end. Fastify still
 * runs the onResponse hooks (it listens on the raw response's 'finish').
 *
 * A chunk goes back exactly once, and only by this response: from its write callback, or when the response closes
 * (the socket is gone, so no write of it is pending any more) for chunks whose callback has not run. A callback that
 * runs after that finds its chunk already given back and does nothing, so it cannot return a buffer that has since
 * been lent to another request.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'

/** Write `body` as the reply's body; every chunk is handed to `giveBack` once the socket no longer needs it */
export async function sendBorrowed (reply: FastifyReply, body: AsyncGenerator<Uint8Array>, giveBack: (chunk: Uint8Array) => void): Promise<void> {
  reply.hijack()
  const res = reply.raw
  const outstanding = new Set<Uint8Array>()
  const release = (chunk: Uint8Array): void => {
    if (outstanding.delete(chunk)) giveBack(chunk)
  }
  let closed = res.destroyed
  res.once('close', () => {
    closed = true
    for (const chunk of [...outstanding]) release(chunk)
  })
  try {
    res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders)
    for await (const chunk of body) {
      if (closed) {
        giveBack(chunk) // never written
        break
      }
      outstanding.add(chunk)
      if (!res.write(chunk, () => { release(chunk) })) await drained(res)
    }
    if (!closed) res.end()
  } catch (err) {
    // the head is sent: all a client can be told now is a cut connection (a body shorter than its content-length)
    reply.log.warn({ err, url: reply.request.url }, 'serving a file failed after its head was sent: connection closed')
    res.destroy()
  }
}

/** Until the response can take more, or is closed */
async function drained (res: ServerResponse): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
