import type { Masker } from './index'
/**
 * A winston format masking known secrets and censoring secret-looking keys in `message`, meta
 * fields and splat arguments, and masking the finished line when placed after a finalizing format
 * (printf(), json()). Put it after errors() and splat(), before json():
 * `format.combine(format.errors({ stack: true }), format.splat(), format(), format.json())`.
 * It never modifies the object that was logged: it returns a new info object.
 */
export function format(options?: { masker?: Masker | undefined }): import('winston').Logform.Format
