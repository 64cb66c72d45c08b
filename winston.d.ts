import type { Masker } from './index'
/** A winston format masking message, meta fields, splat arguments and the finalized line. */
export function format(options?: { masker?: Masker }): import('logform').Format
