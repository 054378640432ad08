/**
 * Route schemas compiled on a route's first request, not at start.
 *
 * Fastify compiles every route's request validators (Ajv) and response serializers (fast-json-stringify) when the
 * server gets ready: measured here, most of a second of CPU at every daemon start (ajv was the largest item in the
 * start-up profile), for some hundred routes of which a node answers a few in most sessions. These factories wrap
 * Fastify's own compilers (same packages, same options, same schemas) and defer each compile to the first call;
 * answers are the same, a schema that does not compile fails on the first request to its route instead of at start
 * (test/gateway/lazy-compilers.spec.ts calls every route's schema).
 */
import { AjvCompiler } from '@fastify/ajv-compiler'
import type { ValidatorFactory } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'
import type { FastifyValidationResult } from 'fastify/types/schema.js'

// what the factories are at run time: Fastify calls a compiler with the route's definition ({ schema, method, url,
// httpPart }), which the packages' own declarations type as the bare schema
type BuildValidator = (externalSchemas: any, options: any) => FastifySchemaCompiler<unknown>
type BuildSerializer = (externalSchemas: any, options: any) => FastifySerializerCompiler<unknown>

/** Fastify's Ajv validator factory, each route's validator compiled on its first call */
export function lazyValidatorFactory (): ValidatorFactory {
  const build = AjvCompiler() as unknown as BuildValidator
  const factory: BuildValidator = (externalSchemas, options) => {
    const compile = build(externalSchemas, options)
    return (route) => {
      let compiled: FastifyValidationResult | undefined
      const validate: FastifyValidationResult = (data: unknown) => {
        compiled ??= compile(route)
        const result = compiled(data)
        // Fastify reads the errors from the function it was given
        validate.errors = compiled.errors
        return result
      }
      return validate
    }
  }
  return factory as unknown as ValidatorFactory
}

/** Fastify's fast-json-stringify serializer factory, each response serializer built on its first call */
export function lazySerializerFactory (): SerializerFactory {
  const build = SerializerSelector() as unknown as BuildSerializer
  const factory: BuildSerializer = (externalSchemas, options) => {
    const compile = build(externalSchemas, options)
    return (route) => {
      let compiled: ((data: unknown) => string) | undefined
      return (data: unknown) => {
        compiled ??= compile(route)
        return compiled(data)
      }
    }
  }
  return factory as unknown as SerializerFactory
}
