// Runs one compute-pool task in a piscina worker: imports the task module (a file URL) once and
// calls its exported function `name` with `arg`. The result travels as an outcome
// ({ ok, value } or { ok: false, error: { name, code, message } }) so error codes survive the
// thread hop. A TypeScript module (a `.ts` URL, or a `.js` URL whose `.ts` sibling is all there
// is) is loaded through tsx, so tasks work from sources in tests.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const modules = new Map()
let tsxRegistered = false

export default async function runTask ({ module, name = 'default', arg }) {
  try {
    const mod = await load(module)
    const fn = mod[name]
    if (typeof fn !== 'function') {
      throw Object.assign(new Error(`${module} exports no function ${name}`), { name: 'PoolTaskNotFoundError',
        code: 'ERR_POOL_TASK_NOT_FOUND' })
    }
    return { ok: true, value: await fn(arg) }
  } catch (err) {
    return { ok: false,
      error: { name: String(err?.name ?? 'Error'), code: typeof err?.code === 'string' ? err.code : 'ERR_POOL_TASK',
        message: String(err?.message ?? err) } }
  }
}

async function load (href) {
  let mod = modules.get(href)
  if (mod === undefined) {
    const ts = typeScriptSource(new URL(href))
    if (ts !== undefined && !tsxRegistered) {
      const { register } = await import('tsx/esm/api')
      register()
      tsxRegistered = true
    }
    mod = import(ts?.href ?? href).catch(err => {
      modules.delete(href)
      throw err
    })
    modules.set(href, mod)
  }
  return mod
}

function typeScriptSource (url) {
  if (url.protocol !== 'file:') return undefined
  if (/\.[mc]?ts$/.test(url.pathname)) return url
  if (!/\.[mc]?js$/.test(url.pathname) || existsSync(fileURLToPath(url))) return undefined
  const sibling = new URL(url.href.replace(/\.([mc]?)js$/, '.$1ts'))
  return existsSync(fileURLToPath(sibling)) ? sibling : undefined
}
