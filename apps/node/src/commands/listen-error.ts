/** A clearer message for an API address that is taken, naming the option to change. */

/** The error with a hint added when its code is ERR_ADDRESS_IN_USE; anything else as it is. */
export function explainListenError (err: unknown, flag: string): unknown {
  const e = err as { code?: unknown, name?: unknown, message?: unknown } | null
  if (e?.code !== 'ERR_ADDRESS_IN_USE') return err
  const message = `${String(e.message)}. Is another demo or node running? Stop it, or pass ${flag} 127.0.0.1:<port> (127.0.0.1:0 picks ` +
    `a free port)`
  return Object.assign(new Error(message), { name: e.name, code: e.code })
}
