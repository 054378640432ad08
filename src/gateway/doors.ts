/**
 * The gateway's doors: what any client, with or without a token, can make the node hold. Every connection is
 * bounded in number (in all, and per remote client address) and in silence; headers in time; every request but a content
 * upload in the time its body takes to arrive; a refused request whose body is still coming is answered and its
 * connection closed, its body dropped (for lingerMs at most) rather than read to the end. On loopback (the default)
 * only loopback Host names are answered, so a web page of another site that rebinds its name to 127.0.0.1 cannot read
 * the node's routes.
 */
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { HttpConfig } from '../config.ts'
import { ConfigError, HostNotAllowedError, NotFoundError } from '../errors.ts'

/** Host names that mean this machine */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/** True for addresses only this machine can reach */
export function isLoopback (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

/** Refuse a non-loopback listen address unless the config allows it; say when it does */
export function checkListenAddress (init: Pick<HttpConfig, 'host' | 'allowRemote'>, log: { warn: (obj: object, msg: string) => void }): void {
  if (isLoopback(init.host)) return
  if (!init.allowRemote) {
    throw new ConfigError(`the gateway would listen on ${init.host}, which other machines can reach: pass --allow-remote (config http.allowRemote) to allow it`,
      { details: { host: init.host } })
  }
  log.warn({ host: init.host }, 'the gateway listens on an address other machines can reach: writes need the API token, reads are open to the network but for private collectives\' records (private-reads.ts)')
}

/** The URL local clients should use to reach a gateway listening on `host:port` */
export function localUrl (host: string, port: number): string {
  if (host === '0.0.0.0') return `http://127.0.0.1:${port}`
  if (host === '::' || host === '[::]') return `http://[::1]:${port}`
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
}

/**
 * Answer a request Node's HTTP parser refused before Fastify saw it (a malformed request line or header, headers
 * too large, headers too slow) with the documented error body, then close: Fastify's default writes its own shape.
 */
export function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  // a reset connection has nobody left to answer; one the client ended mid-request asked nothing more
  if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || socket.destroyed) {
    socket.destroy()
    return
  }
  const [status, text, code, name, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'ERR_TIMEOUT', 'TimeoutError', 'the request headers did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'ERR_TOO_LARGE', 'TooLargeError', 'the request headers are larger than this server accepts']
        : [400, 'Bad Request', 'ERR_MALFORMED_REQUEST', 'MalformedRequestError', 'the request is not valid HTTP/1.1']
  const body = JSON.stringify({ error: { code, name, message } })
  // a request already answered on this connection (its body then turned out malformed) gets no second answer: the
  // check Node's own handler makes, on the response it keeps on the socket
  const answered = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (socket.writable && !answered) {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

/** Routes whose bodies may take as long as the client needs (large content uploads) */
function isUpload (method: string, url: string): boolean {
  return method === 'POST' && (url === '/v1/content' || url.startsWith('/v1/content?'))
}

export function installDoors (app: FastifyInstance, init: HttpConfig): void {
  const server = app.server
  server.maxConnections = init.maxConnections
  server.headersTimeout = init.headersTimeoutMs
  server.keepAliveTimeout = init.idleTimeoutMs
  // (no socket timeout while a handler works: a reindex or a long lineage walk may answer after minutes)
  const perClient = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '?'
    // every tool of this machine (the CLI, the page, scripts) is one loopback address: those share maxConnections
    if (isLoopback(client.replace(/^::ffff:/, ''))) return
    const n = (perClient.get(client) ?? 0) + 1
    if (n > init.maxConnectionsPerClient) {
      socket.destroy()
      return
    }
    perClient.set(client, n)
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1
      if (left <= 0) perClient.delete(client)
      else perClient.set(client, left)
    })
  })

  app.addHook('onRequest', async (request) => {
    if (!init.allowRemote) {
      const host = (request.headers.host ?? '').toLowerCase()
      const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]
      if (!LOOPBACK_NAMES.includes(name) && !/^127\.\d+\.\d+\.\d+$/.test(name)) {
        throw new HostNotAllowedError(`this gateway answers for localhost only, not for Host "${request.headers.host ?? ''}"`)
      }
    }
    // no route: answered before any body is read (Fastify would parse it first, for its not-found handler)
    if (request.is404) throw new NotFoundError(`no route ${request.method} ${request.url.split('?')[0]}`)
    // a body that stops arriving for idleTimeoutMs ends the connection, an upload's too
    if (!request.raw.complete) {
      const socket = request.raw.socket
      const stalled = (): void => {
        request.log.info({ method: request.method, url: request.url }, 'request body stalled: connection closed')
        socket.destroy()
      }
      socket?.setTimeout(init.idleTimeoutMs, stalled)
      // setTimeout(0) stops the timer but keeps the listener: a keep-alive connection would gather one per request
      const done = (): void => { socket?.setTimeout(0); socket?.removeListener('timeout', stalled) }
      request.raw.once('end', done)
      request.raw.once('close', done)
    }
    // a body that takes longer than bodyTimeoutMs to arrive (whatever its pace) ends the connection
    if (!isUpload(request.method, request.url) && !request.raw.complete) {
      const timer = setTimeout(() => {
        if (!request.raw.complete) {
          request.log.info({ method: request.method, url: request.url }, 'request body too slow: connection closed')
          request.raw.socket?.destroy()
        }
      }, init.bodyTimeoutMs)
      timer.unref()
      request.raw.once('end', () => { clearTimeout(timer) })
      request.raw.once('close', () => { clearTimeout(timer) })
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    // answered before its body was read (a refusal): the rest of the body is not worth keeping
    if (!request.raw.complete) {
      reply.header('connection', 'close')
      const socket = request.raw.socket
      if (socket != null) lingerOnClose(socket, init.lingerMs)
    }
    return payload
  })
}

/**
 * Close a refused request's connection the way nginx's lingering close does. Node destroys a `Connection: close`
 * socket as soon as its answer is written; the request bytes still unread then make the kernel reset the connection,
 * and a client still sending its body (a 2 MiB record refused with 413) sees EPIPE instead of the answer, about one
 * time in two on loopback. Instead: end this side, drop what still comes for at most `lingerMs`, then close.
 */
function lingerOnClose (socket: Socket, lingerMs: number): void {
  // Node's HTTP server ends a finished `Connection: close` response's socket through destroySoon (net.Socket's own)
  const s = socket as Socket & { destroySoon?: () => void }
  s.destroySoon = () => {
    if (socket.destroyed) return
    if (socket.writable) socket.end()
    const timer = setTimeout(() => socket.destroy(), lingerMs)
    timer.unref()
    socket.once('close', () => { clearTimeout(timer) })
    // the client has sent all it will (and read the answer): nothing left to wait for
    socket.once('end', () => socket.destroy())
  }
}
