import type { Masker } from './index'
/** The stream methods destination() passes through (bound to the stream) when the stream has them. */
export type PassedThrough = 'flush' | 'flushSync' | 'end' | 'destroy' | 'reopen' | 'on' | 'once' | 'off' | 'removeListener' | 'emit'
/** Wrap the stream pino writes to: every line is masked (msg, objects, errors, child bindings). */
export function destination<S extends { write(chunk: string): unknown } = NodeJS.WriteStream>(stream?: S, options?: { masker?: Masker | undefined }): { write(chunk: string | Buffer): unknown, writable: true, readonly stream: S } & Pick<S, Extract<keyof S, PassedThrough>>
/**
 * pino options that censor secret-looking keys and mask known values in logged objects
 * (formatters.log), serializer output (your serializers wrapped; requests still reach them as
 * requests), the interpolated message (a serializer for the message key), object format arguments
 * (hooks.logMethod) and bindings (`base` via formatters.bindings, child() and setBindings()).
 * Your own formatters, serializers and logMethod hook run first.
 */
export function options<O extends object>(pinoOptions?: O, options?: { masker?: Masker | undefined }): O & {
  formatters: { [name: string]: (...args: any[]) => any }
  hooks: { logMethod: (...args: any[]) => any }
  serializers: { [key: string]: (value: any) => any }
}
