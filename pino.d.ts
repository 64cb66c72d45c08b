import type { Masker } from './index'
/** Wrap the stream pino writes to: every line is masked (msg, objects, errors, child bindings). */
export function destination<S extends { write(chunk: string): unknown }>(stream?: S, options?: { masker?: Masker }): { write(chunk: string | Buffer): unknown, writable: true }
/** pino options with formatters.log / hooks.logMethod that redact every logged object and argument. */
export function options<O extends object>(pinoOptions?: O, options?: { masker?: Masker }): O & { formatters: object, hooks: object }
