#!/usr/bin/env node
/** The `peerconnect` binary: a table of commands, each in `commands/`. */
import { UsageError, helpText } from './cli-args.js'
import type { CommandSpec } from './cli-args.js'
import { startCommand } from './commands/start.js'
import { demoCommand } from './commands/demo.js'
import { searchCommand } from './commands/search.js'
import { peersCommand } from './commands/peers.js'
import { lookupCommand } from './commands/lookup.js'
import { statusCommand } from './commands/status.js'
import { clean } from './commands/format.js'
import { invocation } from './commands/invocation.js'
import { readFileSync } from 'node:fs'

export interface Command {
  readonly spec: CommandSpec
  run(argv: readonly string[]): Promise<number>
}

const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  demo: demoCommand,
  search: searchCommand,
  peers: peersCommand,
  lookup: lookupCommand,
  status: statusCommand
}

export async function main (argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`peerconnect ${version()}\n`)
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview() + '\n')
    return name === undefined ? 2 : 0
  }
  const json = wantsJson(rest)
  const command = COMMANDS[name]
  if (command === undefined) {
    if (json) printError({ code: 'ERR_USAGE', message: `unknown command ${JSON.stringify(name)}` })
    else process.stderr.write(`peerconnect: unknown command ${JSON.stringify(name)}\n\n${overview()}\n`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (err) {
    return report(command, err, json)
  }
}

/**
 * One message per error: with `--json` a `{"error":{"code","message"}}` line on stdout (where the
 * command's other JSON goes), else `peerconnect <command>: <message>` on stderr, followed by the
 * command's help when the command line itself was wrong. Usage and config errors exit 2; an
 * error that says its exit code (the API's 400 → 2) gets it; anything else exits 1.
 */
function report (command: Command, err: unknown, json: boolean): number {
  const e = err as { code?: unknown, exitCode?: unknown, message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : 'ERR_INTERNAL'
  const message = String(e?.message ?? err)
  const usage = code === 'ERR_USAGE' || code === 'ERR_BAD_ADDRESS'
  const exit = usage || code === 'ERR_CONFIG' || e?.exitCode === 2 ? 2 : 1
  if (json) printError({ code, message })
  else process.stderr.write(`peerconnect ${command.spec.name}: ${clean(message)}\n${usage ? `\n${helpText(command.spec)}\n` : ''}`)
  return exit
}

function printError (error: { code: string, message: string }): void {
  process.stdout.write(JSON.stringify({ error }) + '\n')
}

/** `--json` among the options (before a `--`). */
function wantsJson (args: readonly string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).includes('--json')
}

/** The version of @peerconnect/node, from its package.json (two or three levels above this file). */
function version (): string {
  for (const up of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === '@peerconnect/node' && typeof pkg.version === 'string') return pkg.version
    } catch {}
  }
  return 'unknown'
}

function overview (): string {
  const rows = Object.values(COMMANDS).map(c => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`)
  return ['Usage: peerconnect <command> [options]', '', 'Commands:', ...rows, '', 'Options:', '  --version  print the version',
    '  --help     show this help', '', `Run \`${invocation()} <command> --help\` for a command's options.`].join('\n')
}

export { UsageError }

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
}, (err: unknown) => {
  process.stderr.write(`peerconnect: ${String((err as Error)?.stack ?? err)}\n`)
  process.exitCode = 1
})
