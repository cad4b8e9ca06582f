/**
 * Command-line parsing on node's own `util.parseArgs`: strict (unknown options are errors),
 * values stay strings (no `--name 007` turning into 7), repeatable options are arrays. There is
 * no automatic `--no-<flag>`: parseArgs' `allowNegative` would turn `--no-api` into `api: false`
 * on a string option, which the commands read as "not given". A negative flag that exists (such
 * as `--no-api`) is declared as an option of its own.
 */
import { parseArgs } from 'node:util'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly short?: string
  readonly value?: string
  readonly help: string
  readonly default?: string
}

export interface CommandSpec {
  readonly name: string
  readonly usage: string
  readonly summary: string
  readonly options: Readonly<Record<string, OptionSpec>>
  readonly positionals?: { min: number, max: number }
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'ERR_USAGE'
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export function parseCommand (spec: CommandSpec, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }> = {
    help: { type: 'boolean', short: 'h' }
  }
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.multiple === true ? { multiple: true } : {}),
      ...(o.short !== undefined ? { short: o.short } : {}) }
  }
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}`)
  }
  const values = { ...(parsed.values as Parsed['values']) }
  for (const [name, o] of Object.entries(spec.options)) if (values[name] === undefined && o.default !== undefined) values[name] = o.default
  const positionals = parsed.positionals
  const want = spec.positionals ?? { min: 0, max: 0 }
  if (values.help !== true && (positionals.length < want.min || positionals.length > want.max)) {
    throw new UsageError(
      positionals.length > want.max ? `unexpected argument ${JSON.stringify(positionals[want.max])}` : 'missing argument'
    )
  }
  return { values, positionals }
}

export function helpText (spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}${o.multiple === true ? '…' : ''}`
    return `  ${flag.padEnd(30)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`
  })
  return [`Usage: peerconnect ${spec.usage}`, '', spec.summary, '', 'Options:', ...rows, `  ${'--help'.padEnd(30)} Show this help`].join(
    '\n'
  )
}

export function str (v: Parsed['values'][string]): string | undefined {
  return typeof v === 'string' ? v : undefined
}

export function list (v: Parsed['values'][string]): string[] {
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}
