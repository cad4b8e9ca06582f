/**
 * `withGetters(api, { size: () => n })`: `api` with read-only properties computed by `getters`.
 * On Node 20 (V8 11) an object literal holding a `get size () {…}` is made in dictionary mode: its
 * properties live in a hash table, ~400 bytes more per object than the same object without the
 * getter. Each factory object of a node (the asker and deadlines of every actor, the transport's
 * books, caches…) paid that. Here the getters sit on a prototype shared by every object with the
 * same getter names, so the object itself stays a small, fast-mode one. The getters are not own
 * properties (a spread or Object.keys does not list them).
 */
const GETTERS = Symbol('getters')
const protos = new Map<string, object>()

interface Holder {
  readonly [GETTERS]: Record<string, () => unknown>
}

export function withGetters<T extends object, G extends Record<string, () => unknown>> (
  api: T,
  getters: G
): T & { readonly [K in keyof G]: ReturnType<G[K]> } {
  const names = Object.keys(getters)
  const key = names.join('\0')
  let proto = protos.get(key)
  if (proto === undefined) {
    proto = {}
    for (const name of names) {
      Object.defineProperty(proto, name, {
        get (this: Holder) {
          return this[GETTERS][name]!()
        },
        enumerable: true
      })
    }
    protos.set(key, proto)
  }
  const out = Object.assign(Object.create(proto) as object, api) as T & Holder
  Object.defineProperty(out, GETTERS, { value: getters })
  return out as unknown as T & { readonly [K in keyof G]: ReturnType<G[K]> }
}
