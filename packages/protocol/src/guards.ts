/**
 * Small guards for data that arrives as `unknown` (from another thread, the network, the API).
 * The guard is the only way in: code narrows with these before it trusts a field.
 */
import { isNodeId } from './id.js'
import type { NodeId } from './id.js'

export type Obj = Record<string, unknown>

export function isObj (x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)
}

export function isStr (x: unknown): x is string {
  return typeof x === 'string'
}

export function isBytes (x: unknown): x is Uint8Array {
  return x instanceof Uint8Array
}

export function isBool (x: unknown): x is boolean {
  return typeof x === 'boolean'
}

export function isInt (x: unknown): x is number {
  return Number.isSafeInteger(x)
}

export function isNat (x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0
}

export function isNum (x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x)
}

export function isPort (x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535
}

export function isId (x: unknown): x is NodeId {
  return isNodeId(x)
}

/** A guard for arrays whose every element passes `item`. */
export function isArrayOf<T> (item: (x: unknown) => x is T): (x: unknown) => x is T[] {
  return (x: unknown): x is T[] => Array.isArray(x) && x.every(item)
}

/** A guard for an optional field: absent (undefined) or passing `guard`. */
export function isOptional<T> (guard: (x: unknown) => x is T): (x: unknown) => x is T | undefined {
  return (x: unknown): x is T | undefined => x === undefined || guard(x)
}

/** A guard for `null` or `guard`. */
export function isNullable<T> (guard: (x: unknown) => x is T): (x: unknown) => x is T | null {
  return (x: unknown): x is T | null => x === null || guard(x)
}

/** A guard for an object whose listed fields pass their guards (other fields are allowed). */
export function hasShape<T> (shape: { [K in keyof T]-?: (x: unknown) => boolean }): (x: unknown) => x is T {
  const keys = Object.keys(shape)
  const guards = Object.values<(x: unknown) => boolean>(shape)
  // a plain loop: this runs for every message an actor checks, and a callback per call is garbage
  return (x: unknown): x is T => {
    if (!isObj(x)) return false
    for (let i = 0; i < keys.length; i++) if (!guards[i]!(x[keys[i]!])) return false
    return true
  }
}

/** A guard for a message of one `type` whose fields pass their guards. */
export function isMessageOf<T extends { type: string }> (type: T['type'],
  shape: { [K in Exclude<keyof T, 'type' | 'cid' | 're' | 'end'>]-?: (x: unknown) => boolean }): (x: unknown) => x is T {
  const fields = hasShape<Obj>(shape)
  return (x: unknown): x is T => isObj(x) && x.type === type && fields(x)
}
