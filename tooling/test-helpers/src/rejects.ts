import assert from 'node:assert/strict'

/**
 * Asserts that `promise` rejects with an error whose `code` (or, failing that, `name`) equals
 * `code`. Checks the code, never `instanceof`: errors cross threads as plain data.
 * Returns the error for further checks.
 */
export async function rejects (promise: Promise<unknown>, code: string): Promise<{ code?: unknown, name?: unknown, message?: unknown }> {
  let settled: { ok: true, value: unknown } | { ok: false, error: unknown }
  try {
    settled = { ok: true, value: await promise }
  } catch (error) {
    settled = { ok: false, error }
  }
  if (settled.ok) assert.fail(`expected a rejection with code ${code}, got a value: ${safe(settled.value)}`)
  const err = settled.error as { code?: unknown, name?: unknown, message?: unknown } | null
  const got = err?.code ?? err?.name
  assert.equal(got, code, `expected error code ${code}, got ${String(got)} (${String(err?.message)})`)
  return err ?? {}
}

function safe (v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v)
  } catch {
    return String(v)
  }
}
